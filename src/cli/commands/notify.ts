/** `aether-v notify`: creates a notification over REST and prints its id. */
import { NOTIFICATION_CATEGORIES, NOTIFICATION_LEVELS } from '../../protocol/index.js';
import { CONNECTION_OPTIONS, oneOf, parse } from '../args.js';
import { CONNECTION_HELP, type Command } from '../command.js';
import { resolveConnection } from '../connection.js';
import { CliError, ExitCode, usageError } from '../exit.js';
import { request } from '../http.js';
import { err, out } from '../output.js';
import { readStdin } from '../stdin.js';

const NAME = 'notify';

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  title: { type: 'string', short: 't' },
  message: { type: 'string', short: 'm' },
  level: { type: 'string', short: 'l' },
  category: { type: 'string', short: 'c' },
  to: { type: 'string' },
  condition: { type: 'string' },
  'idempotency-key': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const HELP = `Usage: aether-v notify --title TITLE --message TEXT [options]
       aether-v notify - [options]            (JSON object on stdin)

Creates a notification (POST /api/v1/notifications; needs the admin role: the API
token, OIDC_ADMIN_ROLE, or development auth) and prints its id.

Options:
  -t, --title TITLE          1–200 characters
  -m, --message TEXT         1–4000 characters
  -l, --level LEVEL          ${NOTIFICATION_LEVELS.join(' | ')} (default info)
  -c, --category CATEGORY    ${NOTIFICATION_CATEGORIES.join(' | ')} (default system)
      --to USER              address it to one user (default: everyone)
      --condition KEY        the condition it reports (host:hv-03:unreachable; 1–200 of
                             A-Z a-z 0-9 . _ : / @ -): while that condition is active,
                             notifying it again raises the same notification (count + 1)
                             instead of adding one; \`aether-v resolve KEY\` clears it
      --idempotency-key KEY  retries with the same key create it only once
      --json                 print the whole notification as JSON instead of its id
  -                          read the notification as a JSON object from stdin
                             ({title, message, level?, category?, recipient?,
                             related_entity?, metadata?, condition_key?}); options
                             override its fields

${CONNECTION_HELP}
Examples:
  aether-v notify --title "Deploy done" --message "v1.4.2 is live" --level success
  echo '{"title":"Backup","message":"nightly ok","metadata":{"size_gb":12}}' | aether-v notify -
  aether-v notify -t "hv-03 unreachable" -m "no heartbeat" -l error --condition host:hv-03:unreachable
`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function bodyFromStdin(): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readStdin();
  } catch (error) {
    throw usageError(`stdin: ${error instanceof Error ? error.message : String(error)}`, NAME);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usageError(`stdin: not valid JSON (${error instanceof Error ? error.message : String(error)})`, NAME);
  }
  if (!isRecord(value)) throw usageError('stdin: expected a JSON object', NAME);
  return value;
}

export const notify: Command = {
  name: NAME,
  summary: 'create a notification and print its id',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse(NAME, argv, OPTIONS, true);
    if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== '-')) {
      throw usageError(
        `unexpected argument ${JSON.stringify(positionals.find((p) => p !== '-') ?? positionals[1])}; the only argument is - (read stdin)`,
        NAME,
      );
    }
    const level = oneOf(NAME, 'level', values.level, NOTIFICATION_LEVELS);
    const category = oneOf(NAME, 'category', values.category, NOTIFICATION_CATEGORIES);
    const connection = resolveConnection(NAME, values);
    const body: Record<string, unknown> = positionals[0] === '-' ? await bodyFromStdin() : {};
    if (values.title !== undefined) body.title = values.title;
    if (values.message !== undefined) body.message = values.message;
    if (level !== undefined) body.level = level;
    if (category !== undefined) body.category = category;
    if (values.to !== undefined) body.recipient = values.to;
    if (values.condition !== undefined) body.condition_key = values.condition;
    const missing = (['title', 'message'] as const).filter((k) => body[k] === undefined);
    if (missing.length > 0) throw usageError(`missing ${missing.map((m) => `--${m}`).join(' and ')}`, NAME);

    const key = values['idempotency-key'];
    const response = await request(connection, 'POST', '/api/v1/notifications', {
      body,
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });
    const created = response.body;
    if (!isRecord(created) || typeof created.id !== 'string') throw new CliError(ExitCode.API, 'the server answered 201 without a notification id');
    if (response.headers.get('idempotent-replayed') === 'true')
      err('aether-v: already created with this idempotency key; printing the existing notification\n');
    out(values.json === true ? `${JSON.stringify(created)}\n` : `${created.id}\n`);
    return ExitCode.OK;
  },
};
