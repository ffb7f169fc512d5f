/** Reading the frames `ws` hands over (a Buffer, a list of fragments or an ArrayBuffer). */
import type { RawData } from 'ws';

export function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

export function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** Cheap pre-filter: only frames that may be `auth`/`refresh` are parsed at the edge. */
export function maybeCredentialMessage(text: string): boolean {
  return text.length < 16_384 && (text.includes('"refresh"') || text.includes('"auth"'));
}
