/** Terminal output: colour only on a TTY with NO_COLOR unset, aligned tables, safe writes. */

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan';

const CODES: Readonly<Record<Style, [number, number]>> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
};

/** Wraps text in a style's escape codes, or returns it unchanged when colour is off. */
export type Paint = (style: Style | undefined, text: string) => string;

/** Colour when the stream is a terminal and NO_COLOR is unset or empty (https://no-color.org). */
export function colorEnabled(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/** A Paint that colours when `enabled`. */
export function painter(enabled: boolean): Paint {
  if (!enabled) return (_style, text) => text;
  return (style, text) => {
    if (style === undefined) return text;
    const [open, close] = CODES[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  };
}

/** Control characters (ESC, CR…) from server data must not drive the terminal. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?').replace(/\n/g, ' ');
}

/** Shortens to `max` characters, ending in … when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One table column: header, cell text, alignment and an optional style per row. */
export interface Column<R> {
  readonly header: string;
  readonly value: (row: R) => string;
  readonly align?: 'left' | 'right';
  readonly style?: (row: R) => Style | undefined;
}

/** Rows as an aligned text table with a header line. Widths are computed before colouring. */
export function table<R>(rows: readonly R[], columns: readonly Column<R>[], paint: Paint): string {
  const cells = rows.map((row) => columns.map((c) => clean(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const pad = (text: string, i: number): string => {
    // The last column is not padded, so a line never ends in (possibly coloured) spaces.
    const width = i === columns.length - 1 && columns[i]?.align !== 'right' ? 0 : (widths[i] ?? 0);
    return columns[i]?.align === 'right' ? text.padStart(width) : text.padEnd(width);
  };
  const lines = [
    columns
      .map((c, i) => paint('bold', pad(c.header, i)))
      .join('  ')
      .trimEnd(),
  ];
  rows.forEach((row, r) => {
    const line = columns.map((c, i) => paint(c.style?.(row), pad(cells[r]?.[i] ?? '', i))).join('  ');
    lines.push(line.trimEnd());
  });
  return `${lines.join('\n')}\n`;
}

/** Writes to stdout. */
export function out(text: string): void {
  process.stdout.write(text);
}

/** Writes to stderr. */
export function err(text: string): void {
  process.stderr.write(text);
}

let pipeGuardInstalled = false;
/** A closed stdout pipe (`aether-v watch | head`) ends the process with 0 at the next write, not an EPIPE error. */
export function exitQuietlyOnClosedPipe(): void {
  if (pipeGuardInstalled) return;
  pipeGuardInstalled = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
