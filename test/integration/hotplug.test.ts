/**
 * Live NIC changes through the apply engine (the code `wukong apply` and the Pulumi provider share), on the real API
 * server with KubeVirt's own virt-controller and admission, and the node stand-in.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { restartVm, settle } from './support/kubevirt';
import { ensureNamespace } from './support/objects';
import { JsonPatchOp, LastApplied } from '../../src';
import { ApplyTimeoutError, Cluster, ObjectRef, PlanRejectedError, applyVm, deleteVm, ownedNads, vmRef } from '../../src/kube';

const NS = 'hotplug';

function spec(networks: object[], extra: object = {}): LastApplied {
  return { metadata: { name: 'web', namespace: NS }, spec: { networks, ...extra } as LastApplied['spec'] };
}

const ETH0 = { name: 'eth0', type: 'bridge', vlanId: 10, ipConfig: { address: '10.0.0.5/24', gateway: '10.0.0.1' } };
const ETH1 = { name: 'eth1', type: 'bridge', vlanId: 20, ipConfig: { address: '10.1.0.5/24' } };
const ETH2 = { name: 'eth2', type: 'bridge', vlanId: 30, ipConfig: { address: '10.2.0.5/24' } };

/** A real Cluster that can run a hook before a call: foreign writes, interruptions, observations. */
class HookedCluster extends Cluster {
  public beforePatch?: (ref: ObjectRef, ops: JsonPatchOp[]) => Promise<void>;
  public beforeDelete?: (ref: ObjectRef) => Promise<void>;
  public constructor(kc: KubeConfig) {
    super(kc);
  }

  public override async patch(ref: ObjectRef, ops: JsonPatchOp[]): Promise<any> {
    await this.beforePatch?.(ref, ops);
    return super.patch(ref, ops);
  }

  public override async delete(ref: ObjectRef): Promise<boolean> {
    await this.beforeDelete?.(ref);
    return super.delete(ref);
  }
}

describeWithCluster('live NIC changes (apply engine + KubeVirt)', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const cluster = new HookedCluster(kc);
  const plain = Cluster.connect({ kubeconfigPath: testCluster()!.kubeconfig });
  const opts = { pollMs: 100, timeoutSeconds: 30, wait: true };
  const getVm = () => plain.get(vmRef(NS, 'web'));
  const getVmi = () => plain.get({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstance', namespace: NS, name: 'web' });
  const nadExists = async (nic: string) => !!(await plain.get({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', namespace: NS, name: `web-${nic}-nad` }));

  beforeAll(async () => {
    await ensureNamespace(kc, NS);
    // The network another writer's interface uses.
    await plain.create({
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: { name: 'elsewhere', namespace: NS },
      spec: { config: JSON.stringify({ cniVersion: '0.3.1', name: 'elsewhere', type: 'bridge', bridge: 'br-else' }) },
    });
  });

  it('creates a 2-NIC VM with its NADs and Secret first, and KubeVirt starts it', async () => {
    const result = await applyVm(cluster, spec([ETH0, ETH1]), opts);
    expect(result.plan.entries.map(e => `${e.action} ${e.name}`)).toEqual([
      `nad-create ${NS}/web-eth0-nad`, `nad-create ${NS}/web-eth1-nad`, `secret-create ${NS}/web-cloudinit`,
      'create default', 'create eth0', 'create eth1', 'create web',
    ]);
    expect(result.plan.kubevirtVersionSource).toBe('cluster');
    await settle(state, kc, NS);
    const vmi = await getVmi();
    expect(vmi.status.interfaces.map((i: any) => i.name)).toEqual(['default', 'eth0', 'eth1']);
  });

  it('hot-plugs an added NIC in place: same VM, one generation later, interface appended with its pinned MAC', async () => {
    const before = await getVm();
    const result = await applyVm(cluster, spec([ETH0, ETH1, ETH2]), opts);
    expect(result.plan.entries.filter(e => e.action !== 'unchanged').map(e => `${e.action} ${e.name}`))
      .toEqual([`nad-create ${NS}/web-eth2-nad`, `secret-update ${NS}/web-cloudinit`, 'hotplug eth2']);
    const after = await getVm();
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.metadata.generation).toBe(before.metadata.generation + 1);
    const ifaces = after.spec.template.spec.domain.devices.interfaces;
    expect(ifaces.map((i: any) => i.name)).toEqual(['default', 'eth0', 'eth1', 'eth2']);
    expect(ifaces[3]).toEqual({ name: 'eth2', bridge: {}, macAddress: result.nics.find(n => n.name === 'eth2')!.mac });
    expect(result.nics.find(n => n.name === 'eth2')).toMatchObject({ state: 'attached', infoSource: ['domain', 'multus-status'] });
    // KubeVirt's own writes are left alone (kubevirt-hotplug.md §0.7).
    expect(after.spec.template.spec.domain.firmware.uuid).toBeDefined();
    expect(after.spec.template.metadata.annotations['kubevirt.io/pci-topology-version']).toBe('v3');
    expect(result.restartRequired).toBe(false);
  });

  it('unplugs a removed NIC with state: absent and deletes its NAD only after KubeVirt detached it', async () => {
    const observed: string[] = [];
    cluster.beforeDelete = async ref => {
      if (ref.kind !== 'NetworkAttachmentDefinition') return;
      const vmi = await getVmi();
      observed.push(`${ref.name} deleted while VMI lists ${vmi.status.interfaces.map((i: any) => i.name).join(',')}`);
    };
    cluster.beforePatch = async (ref, ops) => {
      if (ref.kind === 'VirtualMachine') observed.push(`patch ${ops.filter(o => o.op !== 'test').map(o => `${o.op} ${o.path}=${JSON.stringify(o.value)}`).join('; ')}`);
    };
    try {
      const result = await applyVm(cluster, spec([ETH0, ETH1]), opts);
      expect(result.plan.entries.filter(e => e.action !== 'unchanged').map(e => `${e.action} ${e.name}`))
        .toEqual([`secret-update ${NS}/web-cloudinit`, 'unplug eth2', `nad-delete ${NS}/web-eth2-nad`]);
    } finally {
      cluster.beforeDelete = undefined;
      cluster.beforePatch = undefined;
    }
    expect(observed[0]).toMatch(/^patch add \/spec\/template\/spec\/domain\/devices\/interfaces\/3\/state="absent"; add \/metadata\/annotations\/vm.novasphere.dev~1applied="[0-9a-f]{16}"$/);
    expect(observed[1]).toBe('web-eth2-nad deleted while VMI lists default,eth0,eth1');
    expect(await nadExists('eth2')).toBe(false);
    await settle(state, kc, NS);
    // KubeVirt removed both entries itself afterwards (§3.4); a re-apply does not fight that.
    expect((await getVm()).spec.template.spec.domain.devices.interfaces.map((i: any) => i.name)).toEqual(['default', 'eth0', 'eth1']);
    const again = await applyVm(cluster, spec([ETH0, ETH1]), opts);
    expect(again.plan.entries.filter(e => e.action !== 'unchanged')).toEqual([]);
  });

  it('applies nothing for a binding change unless restarts are allowed, and then reports RestartRequired', async () => {
    const changed = spec([ETH0, { ...ETH1, type: 'sriov', resourceName: 'intel.com/sriov_vfio' }]);
    const before = await getVm();
    await expect(applyVm(cluster, changed, { ...opts, wait: false })).resolves.toMatchObject({ restartRequired: true });
    const untouched = await getVm();
    // Status writes move resourceVersion; the spec (generation) and the annotations must not move.
    expect(untouched.metadata.generation).toBe(before.metadata.generation);
    expect(untouched.metadata.annotations).toEqual(before.metadata.annotations);
    const nad = await plain.get({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', namespace: NS, name: 'web-eth1-nad' });
    expect(JSON.parse(nad.spec.config).type).toBe('bridge');

    const result = await applyVm(cluster, changed, { ...opts, wait: false, allowRestart: true });
    expect(result.plan.entries.find(e => e.name === 'eth1')).toMatchObject({ action: 'restart-required', applies: true });
    await settle(state, kc, NS);
    const after = await getVm();
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.spec.template.spec.domain.devices.interfaces[2]).toMatchObject({ name: 'eth1', sriov: {} });
    expect(after.status.conditions).toContainEqual(expect.objectContaining({ type: 'RestartRequired', status: 'True' }));
    await restartVm(state, kc, NS, 'web');
    expect((await getVm()).status.conditions.filter((c: any) => c.type === 'RestartRequired')).toEqual([]);
  });

  it('rejects removing the primary NIC and applies nothing', async () => {
    const before = await getVm();
    const sriovEth1 = { ...ETH1, type: 'sriov', resourceName: 'intel.com/sriov_vfio', primary: true };
    const attempt = applyVm(cluster, spec([sriovEth1]), opts);
    await expect(attempt).rejects.toBeInstanceOf(PlanRejectedError);
    await expect(attempt).rejects.toThrow(/nic eth0: the primary NIC is never removed/);
    expect((await getVm()).metadata.generation).toBe(before.metadata.generation);
  });

  it('keeps a foreign label and interface written while it applies, by re-reading and re-planning', async () => {
    let foreignWrites = 0;
    cluster.beforePatch = async ref => {
      if (ref.kind !== 'VirtualMachine' || foreignWrites > 0) return;
      foreignWrites++;
      const vm = await getVm();
      await plain.patch(vmRef(NS, 'web'), [
        { op: 'test', path: '/metadata/resourceVersion', value: vm.metadata.resourceVersion },
        { op: 'add', path: '/metadata/labels/owner', value: 'team-b' },
        { op: 'add', path: '/spec/template/spec/domain/devices/interfaces/-', value: { name: 'foreign', bridge: {} } },
        { op: 'add', path: '/spec/template/spec/networks/-', value: { name: 'foreign', multus: { networkName: 'elsewhere' } } },
      ]);
    };
    const eth1 = { ...ETH1, type: 'sriov', resourceName: 'intel.com/sriov_vfio' };
    const logs: string[] = [];
    try {
      await applyVm(cluster, spec([ETH0, eth1, ETH2]), { ...opts, wait: false, log: l => logs.push(l) });
    } finally {
      cluster.beforePatch = undefined;
    }
    expect(logs.some(l => /changed meanwhile; re-reading and re-planning/.test(l))).toBe(true);
    const vm = await getVm();
    expect(vm.metadata.labels.owner).toBe('team-b');
    expect(vm.spec.template.spec.domain.devices.interfaces.map((i: any) => i.name)).toEqual(['default', 'eth0', 'eth1', 'foreign', 'eth2']);
  });

  it('converges when an interrupted apply is run again', async () => {
    let interrupted = false;
    cluster.beforePatch = async ref => {
      if (ref.kind === 'VirtualMachine' && !interrupted) {
        interrupted = true;
        throw new Error('connection lost');
      }
    };
    const eth1 = { ...ETH1, type: 'sriov', resourceName: 'intel.com/sriov_vfio' };
    const eth3 = { name: 'eth3', vlanId: 40, ipConfig: { address: '10.3.0.5/24' } };
    try {
      await expect(applyVm(cluster, spec([ETH0, eth1, ETH2, eth3]), opts)).rejects.toThrow('connection lost');
    } finally {
      cluster.beforePatch = undefined;
    }
    expect(await nadExists('eth3')).toBe(true);
    const result = await applyVm(cluster, spec([ETH0, eth1, ETH2, eth3]), opts);
    expect(result.plan.entries.filter(e => e.action !== 'unchanged').map(e => `${e.action} ${e.name}`)).toEqual(['hotplug eth3']);
    expect(result.nics.find(n => n.name === 'eth3')?.state).toBe('attached');
  });

  it('times out clearly when KubeVirt does not detach in time, keeps the NAD, and a re-run finishes the job', async () => {
    // The node stops answering: virt-handler never detaches.
    const eth1 = { ...ETH1, type: 'sriov', resourceName: 'intel.com/sriov_vfio' };
    const eth3 = { name: 'eth3', vlanId: 40, ipConfig: { address: '10.3.0.5/24' } };
    process.kill(state.nodeStandInPid, 'SIGSTOP');
    try {
      const attempt = applyVm(cluster, spec([ETH0, eth1, eth3]), { ...opts, timeoutSeconds: 2 });
      await expect(attempt).rejects.toBeInstanceOf(ApplyTimeoutError);
      await expect(attempt).rejects.toThrow(/eth2 still attached to hotplug\/web after 2 s; their NADs are kept\. Run the same apply again to finish/);
      expect(await nadExists('eth2')).toBe(true);
    } finally {
      process.kill(state.nodeStandInPid, 'SIGCONT');
    }
    const result = await applyVm(cluster, spec([ETH0, eth1, eth3]), opts);
    expect(result.plan.entries.filter(e => e.action !== 'unchanged').map(e => `${e.action} ${e.name}`)).toEqual([`nad-delete ${NS}/web-eth2-nad`]);
    expect(await nadExists('eth2')).toBe(false);
  });

  it('deletes the VM, then its NADs and Secret once the VMI is gone', async () => {
    await deleteVm(plain, NS, 'web', { pollMs: 100, timeoutSeconds: 30 });
    expect(await getVm()).toBeUndefined();
    expect(await getVmi()).toBeUndefined();
    expect(await ownedNads(plain, NS, 'web')).toEqual([]);
  });
});

describeWithCluster('NIC lifecycle fields (linkState, state: absent) through the apply engine', () => {
  const ns = 'hotplug-lifecycle';
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const cluster = Cluster.connect({ kubeconfigPath: state.kubeconfig });
  const opts = { pollMs: 100, timeoutSeconds: 30, wait: true };
  const lc = (networks: object[]): LastApplied => ({ metadata: { name: 'lc', namespace: ns }, spec: { networks } as LastApplied['spec'] });
  const changes = (r: Awaited<ReturnType<typeof applyVm>>) => r.plan.entries.filter(e => e.action !== 'unchanged').map(e => `${e.action} ${e.name}`);
  const vmi = () => cluster.get({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstance', namespace: ns, name: 'lc' });
  const nad = () => cluster.get({ apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', namespace: ns, name: 'lc-eth1-nad' });

  beforeAll(() => ensureNamespace(kc, ns));

  it('sets a link down and up live, then unplugs a NIC marked absent and keeps its NAD until the NIC leaves the spec', async () => {
    await applyVm(cluster, lc([ETH0, ETH1]), opts);
    await settle(state, kc, ns);
    const uid = (await vmi()).metadata.uid;
    expect(changes(await applyVm(cluster, lc([ETH0, { ...ETH1, linkState: 'down' }]), opts))).toEqual(['link-change eth1']);
    await settle(state, kc, ns);
    const down = await vmi();
    expect(down.spec.domain.devices.interfaces.find((i: any) => i.name === 'eth1').state).toBe('down');
    expect(down.status.interfaces.find((i: any) => i.name === 'eth1').linkState).toBe('down');
    expect(changes(await applyVm(cluster, lc([ETH0, ETH1]), opts))).toEqual(['link-change eth1']);
    await settle(state, kc, ns);
    expect((await vmi()).status.interfaces.find((i: any) => i.name === 'eth1').linkState).toBe('up');

    expect(changes(await applyVm(cluster, lc([ETH0, { ...ETH1, state: 'absent' }]), opts))).toEqual([`secret-update ${ns}/lc-cloudinit`, 'unplug eth1']);
    await settle(state, kc, ns);
    expect((await vmi()).spec.domain.devices.interfaces.map((i: any) => i.name)).toEqual(['default', 'eth0']);
    expect(await nad()).toBeDefined();
    // KubeVirt dropped the entries: applying the same spec again changes nothing and plugs nothing back.
    expect(changes(await applyVm(cluster, lc([ETH0, { ...ETH1, state: 'absent' }]), opts))).toEqual([]);
    expect(changes(await applyVm(cluster, lc([ETH0]), opts))).toEqual([`nad-delete ${ns}/lc-eth1-nad`]);
    expect(await nad()).toBeUndefined();
    const after = await vmi();
    expect(after.metadata.uid).toBe(uid);
    expect((await cluster.get(vmRef(ns, 'lc'))).status.conditions.filter((c: any) => c.type === 'RestartRequired')).toEqual([]);
  });
});
