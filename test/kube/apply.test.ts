/** The apply engine on a cluster in memory: write order, conflict retry, detach before delete, the applied record. */
import { Json, MemoryCluster, resetRequests } from './support/memory-cluster';
import { MissingPermissionsError, applyVm } from '../../src/kube';
import { APPLIED_ANNOTATION, LAST_APPLIED_ANNOTATION, LastApplied, NetworkConfig, encodeLastApplied, readAppliedRecord, recordDigest } from '../../src/model';

const NS = 'lab';
const nic = (name: string, vlanId: number, octet: number): NetworkConfig => ({ name, type: 'bridge', vlanId, ipConfig: { address: `10.${vlanId}.0.${octet}/24` } });
const DATA = nic('data', 10, 5);
const STOR = nic('stor', 20, 5);
const manifest = (networks: NetworkConfig[], name = 'web'): LastApplied => ({ metadata: { name, namespace: NS }, spec: { networks } });
const FAST = { pollMs: 1, timeoutSeconds: 5 };

/** The writes of a request log, in order. */
const writes = (c: MemoryCluster) => c.requests.filter(r => /^(POST|PATCH|DELETE) [A-Z]/.test(r) && !r.includes('SelfSubjectAccessReview'));

function recordOf(c: MemoryCluster, name = 'web'): ReturnType<typeof readAppliedRecord> {
  const vm = c.peek('VirtualMachine', name, NS)!;
  const secret = c.peek('Secret', `${name}-wukong-applied`, NS);
  const data = Object.fromEntries(Object.entries((secret?.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  return readAppliedRecord(vm.metadata.annotations ?? {}, data);
}

async function running(c: MemoryCluster, networks: NetworkConfig[]): Promise<void> {
  await applyVm(c, manifest(networks), FAST);
  c.startVm(NS, 'web');
  resetRequests(c);
}

describe('applyVm', () => {
  it('creates what the VM owns first, then its record, then the VM pointing at that record', async () => {
    const c = new MemoryCluster();
    const result = await applyVm(c, manifest([DATA, STOR]), FAST);
    expect(writes(c)).toEqual([
      'POST NetworkAttachmentDefinition lab/web-data-nad',
      'POST NetworkAttachmentDefinition lab/web-stor-nad',
      'POST Secret lab/web-cloudinit',
      'POST Secret lab/web-wukong-applied',
      'POST VirtualMachine lab/web',
    ]);
    // Without a VM there is nothing else of it to read: an object a broken earlier run left is found by its create.
    expect(c.requests.filter(r => r.startsWith('GET'))).toEqual(['GET VirtualMachine lab/web']);
    expect(recordOf(c).applied).toEqual(JSON.parse(encodeLastApplied(manifest([DATA, STOR]))));
    expect(result.vm.metadata.annotations[APPLIED_ANNOTATION]).toBe(recordDigest(encodeLastApplied(manifest([DATA, STOR]))));
  });

  it('patches a running VM with the added NIC and a 16-character record pointer, nothing of the record itself', async () => {
    const c = new MemoryCluster();
    await running(c, [DATA]);
    const patches: Json[] = [];
    const patch = c.patch.bind(c);
    c.patch = async (ref, ops) => { if (ref.kind === 'VirtualMachine') patches.push(...ops); return patch(ref, ops); };
    const result = await applyVm(c, manifest([DATA, STOR]), FAST);
    expect(result.plan.entries.find(e => e.name === 'stor')?.action).toBe('hotplug');
    expect(patches.map(o => `${o.op} ${o.path}`)).toEqual([
      'test /metadata/resourceVersion',
      'add /spec/template/spec/domain/devices/interfaces/-',
      'add /spec/template/spec/networks/-',
      'add /metadata/annotations/vm.novasphere.dev~1applied',
    ]);
    expect(recordOf(c).applied?.spec.networks?.map(n => n.name)).toEqual(['data', 'stor']);
    // The VMI's start is recorded beside the spec, not on the VM.
    expect(recordOf(c).startedInterfaces).toBe('vmi-web:2');
  });

  it('re-reads and re-plans when another writer moved the VM between its read and the patch, keeping their change', async () => {
    const c = new MemoryCluster();
    await running(c, [DATA]);
    let raced = false;
    c.before = request => {
      if (request === 'PATCH VirtualMachine lab/web' && !raced) {
        raced = true;
        c.edit('VirtualMachine', 'web', NS, vm => (vm.metadata.labels = { ...vm.metadata.labels, 'team.example.com/owner': 'blue' }));
      }
    };
    const lines: string[] = [];
    await applyVm(c, manifest([DATA, STOR]), { ...FAST, log: l => lines.push(l) });
    expect(c.requests.filter(r => r === 'PATCH VirtualMachine lab/web')).toHaveLength(2);
    expect(lines.some(l => l.includes('changed meanwhile; re-reading and re-planning (attempt 2)'))).toBe(true);
    const vm = c.peek('VirtualMachine', 'web', NS)!;
    expect(vm.metadata.labels['team.example.com/owner']).toBe('blue');
    expect(vm.spec.template.spec.domain.devices.interfaces.map((i: Json) => i.name)).toEqual(['default', 'data', 'stor']);
    expect(recordOf(c).applied?.spec.networks).toHaveLength(2);
  });

  it('fails if the VM keeps moving for every attempt, naming how many it made', async () => {
    const c = new MemoryCluster();
    await running(c, [DATA]);
    c.before = request => {
      if (request === 'PATCH VirtualMachine lab/web') c.edit('VirtualMachine', 'web', NS, vm => (vm.metadata.labels = { ...vm.metadata.labels, n: String(Math.random()) }));
    };
    await expect(applyVm(c, manifest([DATA, STOR]), { ...FAST, maxRetries: 2 })).rejects.toThrow(/lab\/web kept changing under us \(3 attempts; .*run the same apply again/);
  });

  it('deletes an unplugged NIC\'s NAD only after KubeVirt detached the NIC', async () => {
    const c = new MemoryCluster();
    await running(c, [DATA, STOR]);
    let polls = 0;
    c.before = request => {
      if (request === 'GET VirtualMachineInstance lab/web' && c.requests.includes('PATCH VirtualMachine lab/web') && ++polls === 3) c.detach(NS, 'web', 'stor');
    };
    await applyVm(c, manifest([DATA]), FAST);
    const vm = c.peek('VirtualMachine', 'web', NS)!;
    expect(vm.spec.template.spec.domain.devices.interfaces.find((i: Json) => i.name === 'stor').state).toBe('absent');
    const patched = c.requests.indexOf('PATCH VirtualMachine lab/web');
    const deleted = c.requests.indexOf('DELETE NetworkAttachmentDefinition lab/web-stor-nad');
    const vmiReads = c.requests.map((r, i) => [r, i] as const).filter(([r, i]) => r === 'GET VirtualMachineInstance lab/web' && i > patched);
    expect(vmiReads.length).toBeGreaterThanOrEqual(3);
    expect(deleted).toBeGreaterThan(vmiReads[2][1]);
    expect(c.peek('NetworkAttachmentDefinition', 'web-stor-nad', NS)).toBeUndefined();
  });

  it('leaves the VM on its previous record when the VM write fails after the record write, and a re-run finishes', async () => {
    const c = new MemoryCluster();
    await running(c, [DATA]);
    const before = recordOf(c).applied;
    c.before = request => {
      if (request === 'PATCH VirtualMachine lab/web') throw Object.assign(new Error('HTTP 500'), { code: 500, body: { message: 'etcd is down' } });
    };
    await expect(applyVm(c, manifest([DATA, STOR]), FAST)).rejects.toThrow('HTTP 500');
    expect(recordOf(c).applied).toEqual(before);
    c.before = undefined;
    await applyVm(c, manifest([DATA, STOR]), FAST);
    expect(recordOf(c).applied?.spec.networks?.map(n => n.name)).toEqual(['data', 'stor']);
  });

  it('moves an earlier release\'s record off the VM, still knowing which NICs it applied', async () => {
    const c = new MemoryCluster();
    await running(c, [DATA, STOR]);
    // What an earlier release left: the whole record on the VM, no record Secret.
    c.remove('Secret', 'web-wukong-applied', NS);
    c.edit('VirtualMachine', 'web', NS, vm => (vm.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: encodeLastApplied(manifest([DATA, STOR])) }));
    c.before = request => { if (request === 'PATCH VirtualMachine lab/web') setImmediate(() => c.detach(NS, 'web', 'stor')); };
    const result = await applyVm(c, manifest([DATA]), FAST);
    // Known as applied, so removing it unplugs it (an unknown interface would be left alone).
    expect(result.plan.entries.find(e => e.name === 'stor')?.action).toBe('unplug');
    const vm = c.peek('VirtualMachine', 'web', NS)!;
    expect(Object.keys(vm.metadata.annotations)).toEqual([APPLIED_ANNOTATION]);
    expect(recordOf(c)).toMatchObject({ legacy: false, applied: { spec: { networks: [{ name: 'data' }] } } });
  });

  it('fails if a permission is missing, before any write, naming it', async () => {
    const c = new MemoryCluster();
    c.denied.add('create k8s.cni.cncf.io/network-attachment-definitions');
    await expect(applyVm(c, manifest([DATA]), FAST)).rejects.toThrow(MissingPermissionsError);
    await expect(applyVm(c, manifest([DATA]), FAST)).rejects.toThrow(/create network-attachment-definitions\.k8s\.cni\.cncf\.io in namespace lab/);
    expect(writes(c)).toEqual([]);
  });

  it('finishes a create an earlier run broke off after some of the VM\'s objects, updating them in place', async () => {
    const c = new MemoryCluster();
    c.before = request => {
      if (request === 'POST VirtualMachine lab/web') throw Object.assign(new Error('HTTP 500'), { code: 500, body: { message: 'etcd is down' } });
    };
    await expect(applyVm(c, manifest([DATA]), FAST)).rejects.toThrow('HTTP 500');
    c.before = undefined;
    resetRequests(c);
    await applyVm(c, manifest([DATA, STOR]), FAST);
    expect(writes(c)).toEqual([
      'POST NetworkAttachmentDefinition lab/web-data-nad', 'PATCH NetworkAttachmentDefinition lab/web-data-nad',
      'POST NetworkAttachmentDefinition lab/web-stor-nad',
      'POST Secret lab/web-cloudinit', 'PATCH Secret lab/web-cloudinit',
      'POST Secret lab/web-wukong-applied', 'PATCH Secret lab/web-wukong-applied',
      'POST VirtualMachine lab/web',
    ]);
    expect(recordOf(c).applied?.spec.networks).toHaveLength(2);
  });

  it('fails if an object it would create belongs to someone else, saying what to do for that kind, and changes nothing', async () => {
    const c = new MemoryCluster();
    c.put({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name: 'web-data-nad', namespace: NS, labels: { team: 'net' } }, spec: { config: '{}' } });
    c.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-cloudinit', namespace: NS }, data: {} });
    await expect(applyVm(c, manifest([DATA]), FAST)).rejects.toThrow(
      /NetworkAttachmentDefinition lab\/web-data-nad already exists and is not managed by Wukong .*; delete it, or use it as it is with the NIC's nadName/);
    await expect(applyVm(c, manifest([], 'db'), FAST)).rejects.toThrow(/Secret lab\/db-cloudinit already exists .*; delete it, or give the VM another name/);
    expect(c.peek('NetworkAttachmentDefinition', 'web-data-nad', NS)?.spec).toEqual({ config: '{}' });
    expect(c.peek('VirtualMachine', 'web', NS)).toBeUndefined();
  });

  it('sends no write at all when nothing changed', async () => {
    const c = new MemoryCluster();
    await running(c, [DATA]);
    await applyVm(c, manifest([DATA]), FAST);
    expect(writes(c)).toEqual([]);
  });
});
