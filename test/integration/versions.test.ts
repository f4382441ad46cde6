/**
 * KubeVirt version variants, hot-plug through migrations, and a cluster without Multus: the apply engine against the
 * simulator configured per case (kubevirt-hotplug.md §5–§7).
 */
import { execFileSync } from 'child_process';
import { join } from 'path';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { KubeVirtSimulator } from './support/kubevirt-simulator';
import { ensureNamespace } from './support/objects';
import { TestCluster } from './support/test-cluster';
import { LastApplied } from '../../src';
import { Cluster, PlanRejectedError, applyVm, vmRef } from '../../src/kube';

const ROOT = join(__dirname, '..', '..');
const nic = (name: string, vlanId: number, extra: object = {}) => ({ name, vlanId, ipConfig: { address: `10.${vlanId}.0.5/24` }, ...extra });
const spec = (ns: string, networks: object[], extra: object = {}): LastApplied =>
  ({ metadata: { name: 'vm', namespace: ns }, spec: { networks, ...extra } as LastApplied['spec'] });

describeWithCluster('KubeVirt version variants and migrations', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const cluster = Cluster.connect({ kubeconfigPath: state.kubeconfig });
  const opts = { pollMs: 100, timeoutSeconds: 30, wait: true };
  const sims: KubeVirtSimulator[] = [];
  async function simulate(ns: string, minor: number, extra: object = {}): Promise<KubeVirtSimulator> {
    await ensureNamespace(kc, ns);
    const sim = new KubeVirtSimulator(kc, { version: { major: 1, minor }, namespaces: [ns], publishVersion: false, ...extra });
    await sim.start();
    sims.push(sim);
    return sim;
  }
  afterAll(async () => {
    for (const sim of sims) await sim.stop();
    expect(sims.flatMap(s => s.failures)).toEqual([]);
  });

  it('on KubeVirt 1.5, hot-plugs but warns, and the VM then reports RestartRequired (§6)', async () => {
    const sim = await simulate('kv15', 5);
    const v15 = { ...opts, kubevirtVersion: { major: 1, minor: 5 } };
    await applyVm(cluster, spec('kv15', [nic('a', 11)]), v15);
    await sim.settle();
    const result = await applyVm(cluster, spec('kv15', [nic('a', 11), nic('b', 12)]), v15);
    expect(result.plan.entries.find(e => e.name === 'b')).toMatchObject({
      action: 'hotplug', warnings: [expect.stringMatching(/KubeVirt v1.5 also marks the VM RestartRequired for any NIC change/)],
    });
    await sim.settle();
    expect((await cluster.get(vmRef('kv15', 'vm'))).status.conditions).toContainEqual(expect.objectContaining({ type: 'RestartRequired', status: 'True' }));
  });

  it('on KubeVirt 1.5, rejects a NIC beyond the 4 reserved hot-plug slots (§7) and applies nothing', async () => {
    const sim = await simulate('kv15b', 5);
    const v15 = { ...opts, kubevirtVersion: { major: 1, minor: 5 } };
    await applyVm(cluster, spec('kv15b', [nic('a', 21), nic('b', 22), nic('c', 23)]), v15);
    await sim.settle();
    const gen = (await cluster.get(vmRef('kv15b', 'vm'))).metadata.generation;
    const attempt = applyVm(cluster, spec('kv15b', [nic('a', 21), nic('b', 22), nic('c', 23), nic('d', 24)]), v15);
    await expect(attempt).rejects.toBeInstanceOf(PlanRejectedError);
    await expect(attempt).rejects.toThrow(/nic d: no PCIe port is left for hot-plugging it on KubeVirt v1.5/);
    expect((await cluster.get(vmRef('kv15b', 'vm'))).metadata.generation).toBe(gen);
  });

  it('without the dynamic-networks controller (v1.6+), a bridge NIC is plugged by the automatic migration (§5)', async () => {
    const sim = await simulate('kv16', 6, { dynamicNetworks: false });
    const v16 = { ...opts, kubevirtVersion: { major: 1, minor: 6 } };
    await applyVm(cluster, spec('kv16', [nic('a', 31)]), v16);
    await sim.settle();
    const logs: string[] = [];
    const result = await applyVm(cluster, spec('kv16', [nic('a', 31), nic('b', 32)]), { ...v16, log: l => logs.push(l) });
    expect(result.nics.find(n => n.name === 'b')?.state).toBe('attached');
    const vmi = await cluster.get({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstance', namespace: 'kv16', name: 'vm' });
    expect(vmi.status.migrationState).toEqual({ completed: true });
  });

  it('plans an SR-IOV NIC as hotplug-via-migration and waits until the migration plugged it (§4, §5)', async () => {
    const sim = await simulate('kv19sriov', 9);
    const v19 = { ...opts, kubevirtVersion: { major: 1, minor: 9 } };
    await applyVm(cluster, spec('kv19sriov', [nic('a', 41)]), v19);
    await sim.settle();
    const vf = { name: 'vf', type: 'sriov', resourceName: 'intel.com/sriov_vfio', vlanId: 42 };
    const result = await applyVm(cluster, spec('kv19sriov', [nic('a', 41), vf]), v19);
    expect(result.plan.entries.find(e => e.name === 'vf')?.action).toBe('hotplug-via-migration');
    expect(result.nics.find(n => n.name === 'vf')?.state).toBe('attached');
  });
});

describeWithCluster('a cluster without Multus (no NetworkAttachmentDefinition CRD)', () => {
  let bare: TestCluster;
  let cluster: Cluster;
  beforeAll(async () => {
    const env = JSON.parse(execFileSync('bash', [join(ROOT, 'scripts', 'test-env.sh')], { encoding: 'utf8' }).trim().split('\n').pop()!);
    bare = await TestCluster.start(env.assets, [join(ROOT, 'crds')], env.cloudInit, ['k8s.cni.cncf.io_network-attachment-definitions.yaml']);
    cluster = Cluster.connect({ kubeconfigPath: bare.state.kubeconfig });
    await ensureNamespace(bare.kubeConfig(), 'nomultus');
  });
  afterAll(() => bare?.stop());

  it('fails, naming the NICs that cannot attach, and creates nothing', async () => {
    const attempt = applyVm(cluster, spec('nomultus', [nic('a', 51), nic('b', 52)]), { kubevirtVersion: { major: 1, minor: 9 } });
    await expect(attempt).rejects.toThrow(/nic a: cannot attach: Multus is not installed[^\n]*\n\s+nic b: cannot attach: Multus is not installed/);
    expect(await cluster.get(vmRef('nomultus', 'vm'))).toBeUndefined();
  });

  it('with onMissingMultus: pod-network-only, creates the VM on the pod network only, with a warning', async () => {
    const result = await applyVm(cluster, spec('nomultus', [nic('a', 51)], { onMissingMultus: 'pod-network-only' }), { kubevirtVersion: { major: 1, minor: 9 } });
    expect(result.plan.entries.find(e => e.name === 'a')).toMatchObject({ action: 'skipped', applies: false });
    expect(result.warnings).toContain('Multus is not installed: only the pod network is attached');
    const vm = await cluster.get(vmRef('nomultus', 'vm'));
    expect(vm.spec.template.spec.networks).toEqual([{ name: 'default', pod: {} }]);
  });
});
