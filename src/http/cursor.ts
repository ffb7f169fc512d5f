/** Opaque keyset cursors for paging: base64url of `[created_at, id]`. */
import { AppError } from '../shared/errors.js';
import type { Cursor } from '../store/types.js';

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

export function decodeCursor(value: unknown): Cursor | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(String(value), 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('invalid_cursor', 'cursor is not one this server issued', [{ field: 'cursor', message: 'is invalid' }]);
}
