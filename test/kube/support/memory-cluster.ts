/**
 * A cluster in memory for the apply engine's unit tests: objects by kind, namespace and name, resourceVersions that
 * move with every write, JSON patches applied with their `test` ops (a failed one answers the bare 422 the API server
 * does), label-selected lists, and a log of every request. Hooks let a test play another writer or KubeVirt itself.
 * The integration suites prove the same engine against the real API server and KubeVirt.
 */
import { ClusterClient, ListOptions, ObjectRef, Permission } from '../../../src/kube';
import { JsonPatchOp, RESOURCES, ResourceKind } from '../../../src/model';
import { applyJsonPatch, clone } from '../../model/plan-fixtures';

export type Json = Record<string, any>;

function apiError(code: number, message: string, causes?: Array<{ field: string; message: string }>): Error {
  return Object.assign(new Error(`HTTP ${code}: ${message}`), { code, body: { kind: 'Status', message, ...(causes ? { details: { causes } } : {}) } });
}

export class MemoryCluster implements ClusterClient {
  private static key(ref: { kind: string; namespace?: string; name: string }): string {
    return `${ref.kind} ${ref.namespace ?? ''}/${ref.name}`;
  }

  /** `METHOD Kind ns/name` (lists: `LIST Kind ns?selector`), in order. */
  public readonly requests: string[] = [];
  /** Permissions refused (`verb group/resource`). */
  public readonly denied = new Set<string>();
  /** Kinds the cluster does not serve (their CRD is not installed). */
  public readonly unserved = new Set<ResourceKind>();
  /** Runs before a request is answered; may change the store (another writer, KubeVirt). */
  public before?: (request: string, ref?: ObjectRef) => void;
  private readonly objects = new Map<string, Json>();
  private version = 100;

  private record(request: string, ref?: ObjectRef): void {
    this.requests.push(request);
    this.before?.(request, ref);
  }

  /** Stores an object as the server would (a fresh resourceVersion, a uid). */
  public put(obj: Json): Json {
    const stored = clone(obj);
    stored.metadata = { uid: `uid-${stored.metadata.name}`, generation: 1, ...stored.metadata, resourceVersion: String(++this.version) };
    if (stored.kind === 'Secret' && stored.stringData) {
      stored.data = { ...stored.data, ...Object.fromEntries(Object.entries(stored.stringData as Record<string, string>).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
      delete stored.stringData;
    }
    this.objects.set(MemoryCluster.key({ kind: stored.kind, namespace: stored.metadata.namespace, name: stored.metadata.name }), stored);
    return clone(stored);
  }

  /** The stored object, without a request. */
  public peek(kind: ResourceKind, name: string, namespace?: string): Json | undefined {
    const o = this.objects.get(MemoryCluster.key({ kind, namespace: RESOURCES[kind].namespaced ? namespace : undefined, name }));
    return o ? clone(o) : undefined;
  }

  /** Changes a stored object as another writer would, moving its resourceVersion. */
  public edit(kind: ResourceKind, name: string, namespace: string | undefined, change: (o: Json) => void): void {
    const o = this.peek(kind, name, namespace);
    if (!o) throw new Error(`no ${kind} ${name}`);
    change(o);
    this.put(o);
  }

  public remove(kind: ResourceKind, name: string, namespace?: string): void {
    this.objects.delete(MemoryCluster.key({ kind, namespace: RESOURCES[kind].namespaced ? namespace : undefined, name }));
  }

  private check(verb: string, kind: string): void {
    const r = (RESOURCES as Record<string, { group: string; plural: string }>)[kind];
    if (this.denied.has(`${verb} ${r.group}/${r.plural}`)) throw apiError(403, `${verb} ${r.plural} is forbidden`);
    if (this.unserved.has(kind as ResourceKind)) throw apiError(404, 'the server could not find the requested resource');
  }

  public async get(ref: ObjectRef): Promise<any> {
    this.record(`GET ${MemoryCluster.key(ref)}`, ref);
    this.check('get', ref.kind);
    const o = this.objects.get(MemoryCluster.key(ref));
    return o ? clone(o) : undefined;
  }

  public async create(obj: any): Promise<any> {
    const ref = { kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, apiVersion: obj.apiVersion };
    this.record(`POST ${MemoryCluster.key(ref)}`, ref);
    this.check('create', obj.kind);
    if (this.objects.has(MemoryCluster.key(ref))) throw apiError(409, `${obj.kind} ${obj.metadata.name} already exists`);
    return this.put(obj);
  }

  public async patch(ref: ObjectRef, ops: JsonPatchOp[]): Promise<any> {
    this.record(`PATCH ${MemoryCluster.key(ref)}`, ref);
    this.check('patch', ref.kind);
    const have = this.objects.get(MemoryCluster.key(ref));
    if (!have) throw apiError(404, `${ref.kind} ${ref.name} not found`);
    let next: Json;
    try {
      next = applyJsonPatch(have, ops);
    } catch {
      // What the API server answers for a failed `test` op: 422 without causes.
      throw apiError(422, 'the server rejected our request due to an error in our request');
    }
    const specChanged = JSON.stringify(next.spec) !== JSON.stringify(have.spec);
    next.metadata = { ...next.metadata, generation: (have.metadata.generation ?? 1) + (specChanged ? 1 : 0) };
    return this.put(next);
  }

  public async delete(ref: ObjectRef): Promise<boolean> {
    this.record(`DELETE ${MemoryCluster.key(ref)}`, ref);
    this.check('delete', ref.kind);
    return this.objects.delete(MemoryCluster.key(ref));
  }

  public async list(kind: ResourceKind, options: ListOptions = {}): Promise<any[] | undefined> {
    this.record(`LIST ${kind} ${options.namespace ?? ''}${options.labelSelector ? `?${options.labelSelector}` : ''}`);
    if (this.unserved.has(kind)) return undefined;
    this.check('list', kind);
    const selector = (options.labelSelector ?? '').split(',').filter(Boolean).map(s => s.split('='));
    const items = [...this.objects.values()].filter(o => o.kind === kind
      && (options.namespace === undefined || o.metadata.namespace === options.namespace)
      && selector.every(([k, v]) => o.metadata.labels?.[k] === v));
    return clone(options.limit ? items.slice(0, options.limit) : items);
  }

  public async missingPermissions(wanted: Permission[]): Promise<Permission[]> {
    this.record(`POST SelfSubjectAccessReview ×${wanted.length}`);
    return wanted.filter(p => this.denied.has(`${p.verb} ${p.group}/${p.resource}`));
  }

  /** What KubeVirt does for a running VM: a VMI listing the template's interfaces, all plugged. */
  public startVm(namespace: string, name: string): void {
    const vm = this.peek('VirtualMachine', name, namespace)!;
    const ifaces = (vm.spec.template.spec.domain.devices.interfaces ?? []) as Json[];
    this.put({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstance',
      metadata: { name, namespace, uid: `vmi-${name}` },
      spec: { domain: { devices: { interfaces: ifaces.map(i => ({ name: i.name })) } } },
      status: { phase: 'Running', interfaces: ifaces.map(i => ({ name: i.name, mac: i.macAddress, infoSource: 'domain, multus-status' })) },
    });
  }

  /** What KubeVirt does once it unplugged `nic`: the VMI no longer lists it. */
  public detach(namespace: string, name: string, nic: string): void {
    this.edit('VirtualMachineInstance', name, namespace, vmi => {
      vmi.spec.domain.devices.interfaces = vmi.spec.domain.devices.interfaces.filter((i: Json) => i.name !== nic);
      vmi.status.interfaces = vmi.status.interfaces.filter((i: Json) => i.name !== nic);
    });
  }
}

/** Clears a test's request log. */
export function resetRequests(c: MemoryCluster): void {
  c.requests.length = 0;
}
