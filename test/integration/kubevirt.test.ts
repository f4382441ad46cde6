/**
 * Wukong against KubeVirt's own code (testbed/: virt-controller, virt-api's admission handlers and the CRDs
 * virt-operator generates, built from the kubevirt.io/kubevirt module): what KubeVirt admits and rejects, and what its
 * controller does with Wukong's VMs, on the shared test cluster (the node stand-in does what a node does).
 */
import { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import * as fc from 'fast-check';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { exampleObjects } from './support/examples';
import { controllerLogs, namespaceDiagnostics, restartVm, settle, waitFor } from './support/kubevirt';
import { NODE_NAME } from './support/node-stand-in';
import { ensureNamespace, ensureNamespaces } from './support/objects';
import { KUBEVIRT_VERSION } from './support/test-cluster';
import { LastApplied } from '../../src';
import { Cluster, applyVm, describeApiError, vmRef, vmiRef } from '../../src/kube';
import { renderVm } from '../../src/model';
import { deriveMac } from '../../src/model/net/mac';
import { validSpecArb } from '../model/fuzz-arbitraries';
import { Manifest } from '../support/manifests';

const NS = 'kubevirt-it';

const nic = (name: string, vlanId: number, extra: object = {}) => ({ name, vlanId, ipConfig: { address: `10.${vlanId}.0.5/24` }, ...extra });
const spec = (name: string, networks: object[], extra: object = {}): LastApplied =>
  ({ metadata: { name, namespace: NS }, spec: { networks, ...extra } as LastApplied['spec'] });

describeWithCluster(`KubeVirt ${KUBEVIRT_VERSION}'s own controller and admission`, () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const cluster = Cluster.connect({ kubeconfigPath: state.kubeconfig });
  const objects = KubernetesObjectApi.makeApiClient(kc);

  const dryRunError = async (obj: Manifest) => {
    try {
      await objects.create(obj as KubernetesObject, undefined, 'All');
      return [];
    } catch (e) {
      return describeApiError(e, obj);
    }
  };

  beforeAll(() => ensureNamespace(kc, NS));

  const diagnostics = namespaceDiagnostics(state, kc, NS);

  it('serves the CRDs virt-operator\'s code generates, and a KubeVirt CR as virt-operator leaves it', async () => {
    const kv = await objects.read({ apiVersion: 'kubevirt.io/v1', kind: 'KubeVirt', metadata: { name: 'kubevirt', namespace: 'kubevirt' } }) as any;
    expect(kv.status).toMatchObject({ phase: 'Deployed', observedKubeVirtVersion: KUBEVIRT_VERSION });
    const crds = await objects.list('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
    expect(crds.items.map(c => c.metadata!.name)).toEqual(expect.arrayContaining([
      'kubevirts.kubevirt.io', 'virtualmachines.kubevirt.io', 'virtualmachineinstances.kubevirt.io', 'virtualmachineinstancemigrations.kubevirt.io',
    ]));
  });

  it('admits every VirtualMachine the examples synthesize through KubeVirt\'s own validating and mutating webhooks', async () => {
    // Renamed: examples.test.ts creates the same VMs in this cluster, and a dry run of an existing name is a conflict.
    const vms = exampleObjects().filter(o => o.kind === 'VirtualMachine').map(vm => ({ ...vm, metadata: { ...vm.metadata, name: `${vm.metadata.name}-kv` } }));
    expect(vms.length).toBeGreaterThan(5);
    await ensureNamespaces(kc, vms);
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
    await ensureNamespaces(kc, [vm]);
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
    }, () => `${seen}\n${controllerLogs(state)}`);
    const networks = JSON.parse(pod.metadata.annotations['k8s.v1.cni.cncf.io/networks']);
    expect(networks.map((n: any) => `${n.namespace}/${n.name}`)).toEqual([`${NS}/web-mgmt-nad`, `${NS}/web-data-nad`]);
  });

  it('propagates a hot-plugged NIC into the running VM\'s VMI (virt-controller), with its pinned MAC', async () => {
    const result = await applyVm(cluster, spec('web', [nic('mgmt', 10, { ipConfig: { address: '10.10.0.5/24', gateway: '10.10.0.1' } }), nic('data', 20), nic('storage', 30)]));
    expect(result.plan.entries.find(e => e.name === 'storage')?.action).toBe('hotplug');
    const vmi: any = await waitFor('virt-controller to add storage to the VMI', async () => {
      const current = await cluster.get(vmiRef(NS, 'web'));
      return current?.spec.domain.devices.interfaces.some((i: any) => i.name === 'storage') ? current : undefined;
    }, diagnostics);
    expect(vmi.spec.domain.devices.interfaces.find((i: any) => i.name === 'storage').macAddress).toBe(deriveMac(NS, 'web', 'storage'));
    expect(vmi.spec.networks.find((n: any) => n.name === 'storage')).toEqual({ name: 'storage', multus: { networkName: 'web-storage-nad' } });
    const vm = await cluster.get(vmRef(NS, 'web'));
    expect((vm.status?.conditions ?? []).filter((c: any) => c.type === 'RestartRequired')).toEqual([]);
  });

  it('runs the VM: the node stand-in starts the launcher pod, virt-controller hands the VMI over, every NIC is in the domain', async () => {
    const want = [
      `default domain ${deriveMac(NS, 'web', 'default')}`,
      ...['mgmt', 'data', 'storage'].map(n => `${n} domain, multus-status ${deriveMac(NS, 'web', n)}`),
    ];
    const statuses = (vmi: any) => (vmi?.status?.interfaces ?? []).map((i: any) => `${i.name} ${i.infoSource} ${i.mac}`);
    const vmi: any = await waitFor('the VMI to run with every NIC in the domain', async () => {
      const current = await cluster.get(vmiRef(NS, 'web'));
      return current?.status?.phase === 'Running' && JSON.stringify(statuses(current)) === JSON.stringify(want) ? current : undefined;
    }, diagnostics);
    expect(vmi.status.nodeName).toBe(NODE_NAME);
    expect(statuses(vmi)).toEqual(want);
    const vm: any = await waitFor('virt-controller to report the VM Running', async () => {
      const current = await cluster.get(vmRef(NS, 'web'));
      return current?.status?.printableStatus === 'Running' ? current : undefined;
    }, diagnostics);
    expect(vm.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
  });

  it('hot-plugs a NIC into the running domain and waits for it (virt-controller updates the pod, Multus and virt-handler attach)', async () => {
    const result = await applyVm(cluster, spec('web', [nic('mgmt', 10, { ipConfig: { address: '10.10.0.5/24', gateway: '10.10.0.1' } }), nic('data', 20), nic('storage', 30), nic('backup', 40)]), { wait: true, pollMs: 200, timeoutSeconds: 60 });
    expect(result.nics.find(n => n.name === 'backup')).toMatchObject({ state: 'attached' });
    const pod: any = (await objects.list('v1', 'Pod', NS)).items.find((p: any) => p.metadata.labels?.['vm.kubevirt.io/name'] === 'web');
    expect(JSON.parse(pod.metadata.annotations['k8s.v1.cni.cncf.io/networks']).map((n: any) => n.name)).toEqual(['web-mgmt-nad', 'web-data-nad', 'web-storage-nad', 'web-backup-nad']);
  });

  it('unplugs a removed NIC: state absent, virt-controller clears it from VMI and VM once detached, and the NAD goes last', async () => {
    const result = await applyVm(cluster, spec('web', [nic('mgmt', 10, { ipConfig: { address: '10.10.0.5/24', gateway: '10.10.0.1' } }), nic('data', 20), nic('backup', 40)]), { wait: true, pollMs: 200, timeoutSeconds: 60 });
    expect(result.plan.entries.filter(e => e.action !== 'unchanged').map(e => `${e.action} ${e.name}`)).toEqual([`secret-update ${NS}/web-cloudinit`, 'unplug storage', `nad-delete ${NS}/web-storage-nad`]);
    const vm: any = await waitFor('virt-controller to remove storage from the VM', async () => {
      const current = await cluster.get(vmRef(NS, 'web'));
      return current.spec.template.spec.domain.devices.interfaces.some((i: any) => i.name === 'storage') ? undefined : current;
    }, diagnostics);
    expect(vm.spec.template.spec.networks.map((n: any) => n.name)).toEqual(['default', 'mgmt', 'data', 'backup']);
    const vmi = await cluster.get(vmiRef(NS, 'web'));
    expect(vmi.spec.domain.devices.interfaces.map((i: any) => i.name)).toEqual(['default', 'mgmt', 'data', 'backup']);
    expect((vm.status?.conditions ?? []).filter((c: any) => c.type === 'RestartRequired')).toEqual([]);
  });

  it('marks a binding change RestartRequired (virt-controller), and a restart clears it', async () => {
    const sriov = spec('web', [nic('mgmt', 10, { ipConfig: { address: '10.10.0.5/24', gateway: '10.10.0.1' } }), nic('data', 20, { type: 'sriov', resourceName: 'intel.com/sriov_vfio' }), nic('backup', 40)]);
    await applyVm(cluster, sriov, { allowRestart: true, pollMs: 200, timeoutSeconds: 60 });
    await waitFor('RestartRequired', async () => ((await cluster.get(vmRef(NS, 'web'))).status?.conditions ?? []).some((c: any) => c.type === 'RestartRequired' && c.status === 'True') || undefined, diagnostics);
    await restartVm(state, kc, NS, 'web');
    const vmi = await cluster.get(vmiRef(NS, 'web'));
    expect(vmi.spec.domain.devices.interfaces.find((i: any) => i.name === 'data')).toMatchObject({ sriov: {} });
    await waitFor('RestartRequired to clear', async () => ((await cluster.get(vmRef(NS, 'web'))).status?.conditions ?? []).some((c: any) => c.type === 'RestartRequired') ? undefined : true, diagnostics);
  });

  it('keeps an added macvtap NIC out of the running VMI without RestartRequired, so Wukong\'s plan is what says restart (virt-controller hot-plugs only bridge and SR-IOV: pkg/network/controllers/vm.go)', async () => {
    const networks = [nic('mgmt', 10, { ipConfig: { address: '10.10.0.5/24', gateway: '10.10.0.1' } }), nic('data', 20, { type: 'sriov', resourceName: 'intel.com/sriov_vfio' }),
      nic('backup', 40), nic('tap', 50, { type: 'macvlan', master: 'eth9' })];
    const result = await applyVm(cluster, spec('web', networks), { allowRestart: true, pollMs: 200, timeoutSeconds: 60 });
    expect(result.plan.entries.find(e => e.name === 'tap')).toMatchObject({ action: 'restart-required', applies: true });
    await settle(state, kc, NS);
    const vmi = await cluster.get(vmiRef(NS, 'web'));
    expect(vmi.spec.domain.devices.interfaces.map((i: any) => i.name)).toEqual(['default', 'mgmt', 'data', 'backup']);
    // And KubeVirt says nothing: no RestartRequired. The NIC waits silently for a restart, which only Wukong's plan tells.
    const vm = await cluster.get(vmRef(NS, 'web'));
    expect((vm.status?.conditions ?? []).filter((c: any) => c.type === 'RestartRequired')).toEqual([]);
  });
});
