/** REST routes for the inventory: reads for everyone, writes (agents, automation) for WRITER_ROLE. */
import type { FastifyInstance } from 'fastify';
import { requireWriter } from '../auth/roles.js';
import { VM_STATES, type VmState } from '../protocol/index.js';
import type { InventoryService } from '../services/inventory.js';
import { createChecker } from '../services/validate.js';
import { principalOf } from './auth-hook.js';

type HostParams = { host: string };
type VmParams = { host: string; vm: string };

function stateFilter(value: string | undefined): VmState | undefined {
  if (value === undefined || value === '') return undefined;
  const check = createChecker();
  const state = check.oneOf('state', value, VM_STATES);
  check.done();
  return state;
}

export function registerInventoryRoutes(app: FastifyInstance, service: InventoryService): void {
  app.get('/api/v1/inventory', async () => service.all());
  app.get('/api/v1/hosts', async () => ({ hosts: await service.hosts() }));
  app.get<{ Params: HostParams }>('/api/v1/hosts/:host/vms', async (request) => ({ vms: await service.vmsOf(request.params.host) }));
  app.get<{ Querystring: { state?: string } }>('/api/v1/vms', async (request) => ({ vms: await service.vms({ state: stateFilter(request.query.state) }) }));
  app.get<{ Params: VmParams }>('/api/v1/vms/:host/:vm', async (request) => service.vm(request.params.host, request.params.vm));

  app.put<{ Params: HostParams }>('/api/v1/hosts/:host', async (request, reply) => {
    requireWriter(principalOf(request));
    const { host, vms, created } = await service.reportHost(request.params.host, request.body);
    return reply.status(created ? 201 : 200).send(vms === undefined ? host : { ...host, vms });
  });

  app.post('/api/v1/vms', async (request, reply) => {
    requireWriter(principalOf(request));
    return reply.status(201).send(await service.createVm(request.body));
  });

  app.put<{ Params: VmParams }>('/api/v1/vms/:host/:vm', async (request) => {
    requireWriter(principalOf(request));
    return service.updateVm(request.params.host, request.params.vm, request.body);
  });

  app.delete<{ Params: VmParams }>('/api/v1/vms/:host/:vm', async (request, reply) => {
    requireWriter(principalOf(request));
    await service.deleteVm(request.params.host, request.params.vm);
    return reply.status(204).send();
  });
}
