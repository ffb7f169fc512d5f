/** `aether-v jobs`: the current jobs as a table (GET /api/v1/jobs). */
import { CONNECTION_OPTIONS, intOption, oneOf, parse } from '../args.js';
import { CONNECTION_HELP, type Command } from '../command.js';
import { resolveConnection } from '../connection.js';
import { CliError, ExitCode } from '../exit.js';
import { notAvailable, request } from '../http.js';
import { colorEnabled, err, out, painter, table, type Column, type Style } from '../output.js';

const NAME = 'jobs';
const PATH = '/api/v1/jobs';
const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
const STATUS_STYLES: Readonly<Record<string, Style>> = { pending: 'dim', running: 'cyan', completed: 'green', failed: 'red', cancelled: 'yellow' };

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  status: { type: 'string', short: 's' },
  limit: { type: 'string', short: 'n' },
  json: { type: 'boolean' },
} as const;

const HELP = `Usage: aether-v jobs [options]

Lists jobs, newest first (GET ${PATH}).

Options:
  -s, --status STATUS   only jobs in this status: ${STATUSES.join(' | ')}
  -n, --limit N         at most N jobs (1–500, default 50)
      --json            print the server's answer as JSON

${CONNECTION_HELP}`;

/** The fields of a job the table shows (docs/PROTOCOL.md, "Job events"). */
interface JobRow {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly progress: number;
  readonly created_by: string;
  readonly created_at: string;
  readonly error: string | null;
}

function shortTime(iso: string): string {
  return typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
}

export const jobs: Command = {
  name: NAME,
  summary: 'list jobs as a table',
  help: HELP,
  async run(argv) {
    const { values } = parse(NAME, argv, OPTIONS);
    const status = oneOf(NAME, 'status', values.status, STATUSES);
    const limit = intOption(NAME, 'limit', values.limit, 50, 1, 500);
    const connection = resolveConnection(NAME, values);
    const query = new URLSearchParams({ limit: String(limit), ...(status === undefined ? {} : { status }) });
    const response = await request(connection, 'GET', `${PATH}?${query.toString()}`, { accept: [404] });
    if (response.status === 404) throw notAvailable(connection, PATH);
    const body = response.body as { jobs?: unknown; next_cursor?: unknown } | undefined;
    if (!Array.isArray(body?.jobs)) throw new CliError(ExitCode.API, `${PATH}: expected {jobs: […]}, got something else`);
    if (values.json === true) {
      out(`${JSON.stringify(body)}\n`);
      return ExitCode.OK;
    }
    const rows = body.jobs as JobRow[];
    if (rows.length === 0) {
      err(`aether-v: no jobs${status === undefined ? '' : ` with status ${status}`}\n`);
      return ExitCode.OK;
    }
    const paint = painter(colorEnabled(process.stdout));
    const columns: Column<JobRow>[] = [
      { header: 'ID', value: (j) => j.id },
      { header: 'TYPE', value: (j) => j.type },
      { header: 'STATUS', value: (j) => j.status, style: (j) => STATUS_STYLES[j.status] },
      { header: 'PROGRESS', value: (j) => `${j.progress}%`, align: 'right' },
      { header: 'CREATED', value: (j) => shortTime(j.created_at) },
      { header: 'BY', value: (j) => j.created_by },
    ];
    if (rows.some((j) => typeof j.error === 'string' && j.error !== '')) columns.push({ header: 'ERROR', value: (j) => j.error ?? '' });
    out(table(rows, columns, paint));
    if (typeof body.next_cursor === 'string') err(`aether-v: more jobs than --limit ${limit}\n`);
    return ExitCode.OK;
  },
};
