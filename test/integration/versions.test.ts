/**
 * What the version of KubeVirt running in the cluster means for a plan, against the real virt-controller: Wukong reads
 * the version from the KubeVirt CR, and plans an SR-IOV hot-plug as one that waits for a migration, which virt-controller
 * confirms with MigrationRequired. The rules for older KubeVirt versions (RestartRequired for any NIC change before
 * v1.6, the four reserved hot-plug ports of v1.5) are planner rules, unit-tested in test/model/plan/planner.test.ts: the test
 * bed runs one KubeVirt tag.
 */
import { join } from 'path';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { namespaceDiagnostics, settle, waitFor } from './support/kubevirt';
import { ensureNamespace } from './support/objects';
import { KUBEVIRT_VERSION, TestCluster } from './support/test-cluster';
import { LastApplied } from '../../src';
import { Cluster, applyVm, vmRef, vmiRef } from '../../src/kube';

const ROOT = join(__dirname, '..', '..');
const nic = (name: string, vlanId: number, extra: object = {}) => ({ name, vlanId, ipConfig: { address: `10.${vlanId}.0.5/24` }, ...extra });
const spec = (ns: string, networks: object[], extra: object = {}): LastApplied =>
  ({ metadata: { name: 'vm', namespace: ns }, spec: { networks, ...extra } as LastApplied['spec'] });

describeWithCluster(`KubeVirt ${KUBEVIRT_VERSION}: the version read from the cluster, and hot-plugs that need a migration`, () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const cluster = Cluster.connect({ kubeconfigPath: state.kubeconfig });
  const opts = { pollMs: 200, timeoutSeconds: 60, wait: true };
  const NS = 'kv-versions';
  beforeAll(() => ensureNamespace(kc, NS));

  it('plans for the KubeVirt version the cluster\'s KubeVirt CR reports', async () => {
    const result = await applyVm(cluster, spec(NS, [nic('a', 41)]), opts);
    const [major, minor] = KUBEVIRT_VERSION.replace(/^v/, '').split('.').map(Number);
    expect(result.plan).toMatchObject({ kubevirtVersion: { major, minor }, kubevirtVersionSource: 'cluster' });
    await settle(state, kc, NS);
  });

  it('plans an SR-IOV NIC as hotplug-via-migration; virt-controller sets MigrationRequired, and Wukong reports the NIC waiting for it', async () => {
    const vf = { name: 'vf', type: 'sriov', resourceName: 'intel.com/sriov_vfio', vlanId: 42 };
    const result = await applyVm(cluster, spec(NS, [nic('a', 41), vf]), opts);
    expect(result.plan.entries.find(e => e.name === 'vf')?.action).toBe('hotplug-via-migration');
    expect(result.nics.find(n => n.name === 'vf')?.state).toBe('waiting-for-migration');
    // The test bed's KubeVirt CR has no workloadUpdateMethods: nothing migrates by itself, and apply says so instead of waiting.
    expect(result.warnings).toContain('vf: MigrationRequired, and this KubeVirt does not migrate by itself (its KubeVirt CR\'s '
      + 'spec.workloadUpdateStrategy.workloadUpdateMethods lacks LiveMigrate): run `virtctl migrate vm -n kv-versions` to plug them');
    const vmi: any = await waitFor('MigrationRequired', async () => {
      const current = await cluster.get(vmiRef(NS, 'vm'));
      return (current?.status?.conditions ?? []).some((c: any) => c.type === 'MigrationRequired' && c.status === 'True') ? current : undefined;
    }, namespaceDiagnostics(state, kc, NS));
    // virt-controller copied the interface into the VMI, but keeps it out of the pod until a migration target starts.
    expect(vmi.spec.domain.devices.interfaces.map((i: any) => i.name)).toEqual(['default', 'a', 'vf']);
    expect(vmi.status.interfaces.map((i: any) => i.name)).toEqual(['default', 'a']);
  });
});

describeWithCluster('a cluster without Multus (no NetworkAttachmentDefinition CRD)', () => {
  let bare: TestCluster;
  let cluster: Cluster;
  beforeAll(async () => {
    const env = testCluster()!;
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
