/** Inventory rows (clusters, hosts, VMs), one code path for SQLite and PostgreSQL. */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Cluster, Host, HostStatus, Vm, VmState } from '../protocol/index.js';
import type { Database, HostsTable, VmsTable } from './schema.js';
import { prepared } from './prepared.js';
import type { InventoryRepo } from './types.js';

type Db = Kysely<Database> | Transaction<Database>;

function toHost(row: Selectable<HostsTable>): Host {
  return {
    id: row.id,
    cluster_id: row.cluster_id,
    status: row.status as HostStatus,
    last_seen: row.last_seen,
    cpu_cores: Number(row.cpu_cores),
    memory_mb: Number(row.memory_mb),
    cpu_usage_percent: Number(row.cpu_usage_percent),
    memory_usage_percent: Number(row.memory_usage_percent),
    version: Number(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toVm(row: Selectable<VmsTable>): Vm {
  return {
    id: `${row.host_id}/${row.name}`,
    host_id: row.host_id,
    name: row.name,
    state: row.state as VmState,
    cpu_count: Number(row.cpu_count),
    memory_mb: Number(row.memory_mb),
    version: Number(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function vmRow(vm: Vm): VmsTable {
  const { id: _id, ...row } = vm;
  return row;
}

const HOST_FIELDS = {
  id: true,
  cluster_id: true,
  status: true,
  last_seen: true,
  cpu_cores: true,
  memory_mb: true,
  cpu_usage_percent: true,
  memory_usage_percent: true,
  version: true,
  created_at: true,
  updated_at: true,
} as const;

// An agent's report reads and writes its host every few seconds: built and compiled once (prepared.ts).
const selectHost = prepared({ id: true }, (db, p: { id: string }) => db.selectFrom('hosts').selectAll().where('id', '=', p.id));
const insertHost = prepared(HOST_FIELDS, (db, host: HostsTable) => db.insertInto('hosts').values(host));
const vmsOfHost = prepared({ host_id: true }, (db, p: { host_id: string }) =>
  db.selectFrom('vms').selectAll().where('host_id', '=', p.host_id).orderBy('host_id').orderBy('name'),
);
// `id` only in the WHERE: set as a column too, SQLite would rewrite the primary key's index entry on every report.
const updateHost = prepared(HOST_FIELDS, (db, { id, ...fields }: HostsTable) => db.updateTable('hosts').set(fields).where('id', '=', id));

/** One transaction's repository: methods on a prototype, so that each report makes one small object (see notifications-repo.ts). */
class KyselyInventoryRepo implements InventoryRepo {
  constructor(private readonly db: Db) {}

  async clusters(): Promise<Cluster[]> {
    const rows = await this.db.selectFrom('clusters').selectAll().orderBy('id').execute();
    return rows.map((r): Cluster => ({ ...r, version: Number(r.version) }));
  }
  async cluster(id: string): Promise<Cluster | undefined> {
    const row = await this.db.selectFrom('clusters').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : { ...row, version: Number(row.version) };
  }
  async saveCluster(cluster: Cluster, isNew: boolean): Promise<void> {
    if (isNew)
      await this.db
        .insertInto('clusters')
        .values({ ...cluster })
        .execute();
    else
      await this.db
        .updateTable('clusters')
        .set({ ...cluster })
        .where('id', '=', cluster.id)
        .execute();
  }

  async hosts(): Promise<Host[]> {
    return (await this.db.selectFrom('hosts').selectAll().orderBy('id').execute()).map(toHost);
  }
  async host(id: string): Promise<Host | undefined> {
    const row = (await selectHost(this.db, { id })).rows[0];
    return row === undefined ? undefined : toHost(row);
  }
  async saveHost(host: Host, isNew: boolean): Promise<void> {
    await (isNew ? insertHost : updateHost)(this.db, host);
  }

  async vms(hostId?: string): Promise<Vm[]> {
    if (hostId !== undefined) return (await vmsOfHost(this.db, { host_id: hostId })).rows.map(toVm);
    return (await this.db.selectFrom('vms').selectAll().orderBy('host_id').orderBy('name').execute()).map(toVm);
  }
  async vm(hostId: string, name: string): Promise<Vm | undefined> {
    const row = await this.db.selectFrom('vms').selectAll().where('host_id', '=', hostId).where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toVm(row);
  }
  async saveVm(vm: Vm, isNew: boolean): Promise<void> {
    if (isNew) await this.db.insertInto('vms').values(vmRow(vm)).execute();
    else {
      // The key columns only in the WHERE (see updateHost).
      const { host_id: _host, name: _name, ...fields } = vmRow(vm);
      await this.db.updateTable('vms').set(fields).where('host_id', '=', vm.host_id).where('name', '=', vm.name).execute();
    }
  }
  async deleteVm(hostId: string, name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('vms').where('host_id', '=', hostId).where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

export function createInventoryRepo(db: Db): InventoryRepo {
  return new KyselyInventoryRepo(db);
}
