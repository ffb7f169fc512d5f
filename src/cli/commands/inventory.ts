/** `aether-v inventory`: hosts and VMs as tables (GET /api/v1/inventory). */
import { CONNECTION_OPTIONS, parse } from '../args.js';
import { CONNECTION_HELP, type Command } from '../command.js';
import { resolveConnection } from '../connection.js';
import { CliError, ExitCode } from '../exit.js';
import { notAvailable, request } from '../http.js';
import { colorEnabled, out, painter, table, type Paint, type Style } from '../output.js';

const NAME = 'inventory';
const PATH = '/api/v1/inventory';
const STYLES: Readonly<Record<string, Style>> = {
  connected: 'green',
  disconnected: 'red',
  maintenance: 'yellow',
  running: 'green',
  off: 'dim',
  paused: 'yellow',
  saved: 'dim',
  starting: 'cyan',
  stopping: 'cyan',
};

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  hosts: { type: 'boolean' },
  vms: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const HELP = `Usage: aether-v inventory [options]

Lists hosts and their VMs (GET ${PATH}).

Options:
  --hosts     only the hosts table
  --vms       only the VMs table
  --json      print the server's answer ({clusters, hosts, vms}) as JSON

${CONNECTION_HELP}`;

/** The fields the tables show (docs/PROTOCOL.md, "Inventory events"). */
interface HostRow {
  readonly id: string;
  readonly cluster_id: string | null;
  readonly status: string;
  readonly last_seen: string | null;
  readonly cpu_cores: number;
  readonly memory_mb: number;
  readonly cpu_usage_percent: number;
  readonly memory_usage_percent: number;
}
interface VmRow {
  readonly id: string;
  readonly host_id: string;
  readonly name: string;
  readonly state: string;
  readonly cpu_count: number;
  readonly memory_mb: number;
}

function gib(mb: number): string {
  return typeof mb === 'number' ? `${(mb / 1024).toFixed(1)} GiB` : '';
}

function hostsTable(hosts: readonly HostRow[], vms: readonly VmRow[], paint: Paint): string {
  return table(
    hosts,
    [
      { header: 'HOST', value: (h) => h.id },
      { header: 'CLUSTER', value: (h) => h.cluster_id ?? '-' },
      { header: 'STATUS', value: (h) => h.status, style: (h) => STYLES[h.status] },
      { header: 'VMS', value: (h) => String(vms.filter((v) => v.host_id === h.id).length), align: 'right' },
      { header: 'CPU', value: (h) => `${h.cpu_cores} (${h.cpu_usage_percent}%)`, align: 'right' },
      { header: 'MEMORY', value: (h) => `${gib(h.memory_mb)} (${h.memory_usage_percent}%)`, align: 'right' },
      { header: 'LAST SEEN', value: (h) => (h.last_seen ?? 'never').replace('T', ' ').replace(/\.\d+Z$|Z$/, '') },
    ],
    paint,
  );
}

function vmsTable(vms: readonly VmRow[], paint: Paint): string {
  return table(
    vms,
    [
      { header: 'VM', value: (v) => v.name },
      { header: 'HOST', value: (v) => v.host_id },
      { header: 'STATE', value: (v) => v.state, style: (v) => STYLES[v.state] },
      { header: 'CPU', value: (v) => String(v.cpu_count), align: 'right' },
      { header: 'MEMORY', value: (v) => gib(v.memory_mb), align: 'right' },
    ],
    paint,
  );
}

export const inventory: Command = {
  name: NAME,
  summary: 'list hosts and VMs as tables',
  help: HELP,
  async run(argv) {
    const { values } = parse(NAME, argv, OPTIONS);
    const connection = resolveConnection(NAME, values);
    const response = await request(connection, 'GET', PATH, { accept: [404] });
    if (response.status === 404) throw notAvailable(connection, PATH);
    const body = response.body as { hosts?: unknown; vms?: unknown } | undefined;
    if (!Array.isArray(body?.hosts) || !Array.isArray(body.vms))
      throw new CliError(ExitCode.API, `${PATH}: expected {clusters, hosts, vms}, got something else`);
    if (values.json === true) {
      out(`${JSON.stringify(body)}\n`);
      return ExitCode.OK;
    }
    const hosts = [...(body.hosts as HostRow[])].sort((a, b) => a.id.localeCompare(b.id));
    const vms = [...(body.vms as VmRow[])].sort((a, b) => a.host_id.localeCompare(b.host_id) || a.name.localeCompare(b.name));
    const paint = painter(colorEnabled(process.stdout));
    const both = values.hosts !== true && values.vms !== true;
    const parts: string[] = [];
    if (both || values.hosts === true) parts.push(hosts.length === 0 ? 'no hosts\n' : hostsTable(hosts, vms, paint));
    if (both || values.vms === true) parts.push(vms.length === 0 ? 'no VMs\n' : vmsTable(vms, paint));
    out(parts.join('\n'));
    return ExitCode.OK;
  },
};
