/**
 * Wukong against KubeVirt's own code (testbed/: virt-controller, virt-api's admission handlers and the CRDs
 * virt-operator generates, built from the kubevirt.io/kubevirt module): what KubeVirt admits and rejects, and what its
 * controller does with Wukong's VMs. No node runs here (no virt-handler, no kubelet): launcher pods are created but
 * never scheduled, so these checks stop where a node's duties begin.
 */
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import * as fc from 'fast-check';
import { describeWithCluster } from './support/cluster';
import { exampleObjects } from './support/examples';
import { ensureNamespace, ensureNamespaces } from './support/objects';
import { TestCluster } from './support/test-cluster';
import { LastApplied, deriveMac } from '../../src';
import { Cluster, applyVm, describeApiError, vmRef, vmiRef } from '../../src/kube';
import { renderVm } from '../../src/model';
import { validSpecArb } from '../model/fuzz-arbitraries';
import { Manifest } from '../support/manifests';

const ROOT = join(__dirname, '..', '..');
const KUBEVIRT_VERSION = /^KUBEVIRT_VERSION=(\S+)$/m.exec(readFileSync(join(ROOT, 'testbed', 'versions.env'), 'utf8'))![1];
const NS = 'kubevirt-it';

const nic = (name: string, vlanId: number, extra: object = {}) => ({ name, vlanId, ipConfig: { address: `10.${vlanId}.0.5/24` }, ...extra });
const spec = (name: string, networks: object[], extra: object = {}): LastApplied =>
  ({ metadata: { name, namespace: NS }, spec: { networks, ...extra } as LastApplied['spec'] });

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, context?: () => string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ''}`);
    await new Promise(r => setTimeout(r, 250));
  }
}

describeWithCluster(`KubeVirt ${KUBEVIRT_VERSION}'s own controller and admission`, () => {
  let bed: TestCluster;
  let cluster: Cluster;
  let objects: KubernetesObjectApi;

  const dryRunError = async (obj: Manifest) => {
    try {
      await objects.create(obj as KubernetesObject, undefined, 'All');
      return [];
    } catch (e) {
      return describeApiError(e, obj);
    }
  };

  beforeAll(async () => {
    const env = JSON.parse(execFileSync('bash', [join(ROOT, 'scripts', 'test-env.sh')], { encoding: 'utf8' }).trim().split('\n').pop()!);
    // KubeVirt's CRDs come from KubeVirt's code here, not from crds/ (which cdk8s import reads).
    bed = await TestCluster.start(env.assets, [join(ROOT, 'crds')], env.cloudInit, ['kubevirt.io_virtualmachines.yaml', 'kubevirt.io_virtualmachineinstances.yaml']);
    await bed.startKubeVirt(env.testbed, KUBEVIRT_VERSION);
    cluster = Cluster.connect({ kubeconfigPath: bed.state.kubeconfig });
    objects = KubernetesObjectApi.makeApiClient(bed.kubeConfig());
    await ensureNamespace(bed.kubeConfig(), NS);
    // What kube-controller-manager's service-account controller does for every namespace
    // (kubernetes pkg/controller/serviceaccount/serviceaccounts_controller.go); the launcher pod runs as it.
    await objects.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } });
  }, 600_000);

  afterAll(() => bed?.stop());

  /** virt-controller's errors, for a wait that timed out. */
  const controllerErrors = () => readFileSync(join(bed.dir, 'virt-controller.log'), 'utf8').split('\n')
    .filter(l => /"level":"(error|warning)"/.test(l) && !l.includes('exportca') && !l.includes('backupca')).slice(-15).join('\n');

  it('serves the CRDs virt-operator\'s code generates, and a KubeVirt CR as virt-operator leaves it', async () => {
    const kv = await objects.read({ apiVersion: 'kubevirt.io/v1', kind: 'KubeVirt', metadata: { name: 'kubevirt', namespace: 'kubevirt' } }) as any;
    expect(kv.status).toMatchObject({ phase: 'Deployed', observedKubeVirtVersion: KUBEVIRT_VERSION });
    const crds = await objects.list('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
    expect(crds.items.map(c => c.metadata!.name)).toEqual(expect.arrayContaining([
      'kubevirts.kubevirt.io', 'virtualmachines.kubevirt.io', 'virtualmachineinstances.kubevirt.io', 'virtualmachineinstancemigrations.kubevirt.io',
    ]));
  });

  it('admits every VirtualMachine the examples synthesize through KubeVirt\'s own validating and mutating webhooks', async () => {
    const vms = exampleObjects().filter(o => o.kind === 'VirtualMachine');
    expect(vms.length).toBeGreaterThan(5);
    await ensureNamespaces(bed.kubeConfig(), vms);
    const problems = (await Promise.all(vms.map(dryRunError))).flat();
    expect(problems).toEqual([]);
  });

  it('admits the VirtualMachines of 100 fuzz-drawn valid specs, except WaitAsReceiver ones, which Wukong warns about', async () => {
    const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 4217;
    const cases = fc.sample(validSpecArb({ inline: true }), { seed, numRuns: 100 }).map((v, i) => {
      const rendered = renderVm({ name: `fz${i}`, namespace: NS }, v.spec);
      return { vm: rendered.virtualMachine as unknown as Manifest, warned: rendered.warnings.some(w => w.path === 'runStrategy') };
    });
    const receivers = cases.filter(c => c.vm.spec.runStrategy === 'WaitAsReceiver');
    expect(receivers.length).toBeGreaterThan(0);
    for (const c of cases) {
      const errors = await dryRunError(c.vm);
      const receiver = c.vm.spec.runStrategy === 'WaitAsReceiver';
      // The one disagreement the bed found: KubeVirt admits WaitAsReceiver only with the DecentralizedLiveMigration gate.
      expect({ name: c.vm.metadata.name, errors, warned: c.warned }).toEqual({
        name: c.vm.metadata.name,
        errors: receiver ? [`VirtualMachine ${NS}/${c.vm.metadata.name}: spec.runStrategy: Invalid RunStrategy (WaitAsReceiver), DecentralizedLiveMigration feature gate is not enabled in kubevirt resource`] : [],
        warned: receiver,
      });
    }
  });

  it('fails if KubeVirt\'s admission rejects a VM: an unknown runStrategy, with KubeVirt\'s own message', async () => {
    const vm = exampleObjects().find(o => o.kind === 'VirtualMachine')!;
    await ensureNamespaces(bed.kubeConfig(), [vm]);
    // The bare API server accepts it (the CRD has no enum); KubeVirt's webhook does not.
    expect(await dryRunError({ ...vm, spec: { ...vm.spec, runStrategy: 'Sometimes' } }))
      .toEqual([`VirtualMachine ${vm.metadata.namespace}/${vm.metadata.name}: spec.runStrategy: Invalid RunStrategy (Sometimes)`]);
  });

  it('fails if a removed NIC other than a bridge one were marked absent: KubeVirt allows state: absent only with bridge binding', async () => {
    const vm = exampleObjects().find(o => o.kind === 'VirtualMachine')!;
    const broken = structuredClone(vm);
    broken.spec.template.spec.domain.devices.interfaces[0].state = 'absent';
    const errors = await dryRunError(broken);
    expect(errors.join('\n')).toMatch(/state "absent" is supported only for bridge binding/);
  });

  it('creates the VMI from a running Wukong VM (virt-controller), with every MAC Wukong pinned, and its launcher pod naming Wukong\'s NADs', async () => {
    await applyVm(cluster, spec('web', [nic('mgmt', 10, { ipConfig: { address: '10.10.0.5/24', gateway: '10.10.0.1' } }), nic('data', 20)]));
    const vmi: any = await waitFor('virt-controller to create the VMI', () => cluster.get(vmiRef(NS, 'web')));
    expect(vmi.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'VirtualMachine', name: 'web', controller: true })]);
    expect(vmi.spec.domain.devices.interfaces.map((i: any) => `${i.name} ${i.macAddress}`))
      .toEqual(['default', 'mgmt', 'data'].map(n => `${n} ${deriveMac(NS, 'web', n)}`));
    let seen = '';
    const pod: any = await waitFor('virt-controller to create the launcher pod', async () => {
      const events = await objects.list('v1', 'Event', NS);
      seen = `${JSON.stringify((await cluster.get(vmiRef(NS, 'web')))?.status)}\n${events.items.map((e: any) => `${e.reason}: ${e.message}`).join('\n')}`;
      const pods = await objects.list('v1', 'Pod', NS);
      return pods.items.find((p: any) => p.metadata.labels?.['kubevirt.io/created-by'] === vmi.metadata.uid);
    }, () => `${seen}\n${controllerErrors()}`);
    const networks = JSON.parse(pod.metadata.annotations['k8s.v1.cni.cncf.io/networks']);
    expect(networks.map((n: any) => `${n.namespace}/${n.name}`)).toEqual([`${NS}/web-mgmt-nad`, `${NS}/web-data-nad`]);
  });

  it('propagates a hot-plugged NIC into the running VM\'s VMI (virt-controller), with its pinned MAC', async () => {
    const result = await applyVm(cluster, spec('web', [nic('mgmt', 10, { ipConfig: { address: '10.10.0.5/24', gateway: '10.10.0.1' } }), nic('data', 20), nic('storage', 30)]));
    expect(result.plan.entries.find(e => e.name === 'storage')?.action).toBe('hotplug');
    const vmi: any = await waitFor('virt-controller to add storage to the VMI', async () => {
      const current = await cluster.get(vmiRef(NS, 'web'));
      return current?.spec.domain.devices.interfaces.some((i: any) => i.name === 'storage') ? current : undefined;
    }, controllerErrors);
    expect(vmi.spec.domain.devices.interfaces.find((i: any) => i.name === 'storage').macAddress).toBe(deriveMac(NS, 'web', 'storage'));
    expect(vmi.spec.networks.find((n: any) => n.name === 'storage')).toEqual({ name: 'storage', multus: { networkName: 'web-storage-nad' } });
    const vm = await cluster.get(vmRef(NS, 'web'));
    expect((vm.status?.conditions ?? []).filter((c: any) => c.type === 'RestartRequired')).toEqual([]);
  });
});
