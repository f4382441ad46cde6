/**
 * Production VMs on KubeVirt's own controller and admission (issue 15): an instance type KubeVirt expands into the
 * VMI, a data disk on a PVC the cluster binds, scheduling fields, and a root disk imported into a DataVolume; NIC
 * changes on them go as on any VM Wukong made, and the planner's live-or-restart call matches what virt-controller does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CustomObjectsApi, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { namespaceDiagnostics, settle, waitFor } from './support/kubevirt';
import { ensureNamespace } from './support/objects';
import { Cluster, deleteVm } from '../../src/kube';
import { wukongAsync } from '../support/cli';

const NS = 'production';
const VM = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines' };
const VMI = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachineinstances' };

describeWithCluster('production VMs: instance types, disks, scheduling', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const k = ['--kubeconfig', state.kubeconfig];
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const dir = mkdtempSync(join(tmpdir(), 'wukong-production-'));
  const diagnostics = namespaceDiagnostics(state, kc, NS);

  const create = (obj: object) => objects.create(obj as KubernetesObject);
  const vm = (name: string) => custom.getNamespacedCustomObject({ ...VM, namespace: NS, name }) as Promise<any>;
  const vmi = (name: string) => custom.getNamespacedCustomObject({ ...VMI, namespace: NS, name }) as Promise<any>;
  const condition = (o: any, type: string) => (o.status?.conditions ?? []).find((c: any) => c.type === type);
  /** Writes a Wukong document for `name` and returns its path. */
  const wukongFile = (name: string, spec: object) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify({ apiVersion: 'vm.novasphere.dev/v1alpha1', kind: 'Wukong', metadata: { name, namespace: NS }, spec }));
    return file;
  };
  const mgmt = { name: 'mgmt', type: 'bridge', vlanId: 100, primary: true, ipConfig: { address: '192.168.100.21/24', gateway: '192.168.100.1' } };
  const storage = { name: 'storage', type: 'bridge', bridgeName: 'br-storage', ipConfig: { address: '10.50.0.21/24' } };
  const app = (networks: object[], extra: object = {}) => ({
    instancetype: { name: 'u1.small' },
    preference: { name: 'linux' },
    disks: [{ name: 'data', persistentVolumeClaim: { claimName: 'app-data' } }],
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'vms', effect: 'NoSchedule' }],
    evictionStrategy: 'None',
    networks,
    ...extra,
  });

  beforeAll(async () => {
    await ensureNamespace(kc, NS);
    // What a cluster with KubeVirt's common instance types has, and a claim the PV controller binds.
    await create({
      apiVersion: 'instancetype.kubevirt.io/v1beta1',
      kind: 'VirtualMachineClusterInstancetype',
      metadata: { name: 'u1.small' },
      spec: { cpu: { guest: 1 }, memory: { guest: '2Gi' } },
    });
    await create({ apiVersion: 'instancetype.kubevirt.io/v1beta1', kind: 'VirtualMachineClusterPreference', metadata: { name: 'linux' }, spec: { devices: { preferredDiskBus: 'virtio' } } });
    await create({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'production-app-data' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: join(dir, 'pv') } },
    });
    await create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'app-data', namespace: NS },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', resources: { requests: { storage: '1Gi' } } },
    });
  });

  afterAll(async () => {
    const cluster = new Cluster(kc);
    for (const name of ['app-01', 'db-01']) await deleteVm(cluster, NS, name, { pollMs: 200, timeoutSeconds: 60 }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a VM sized by its instance type, with its PVC disk and scheduling fields, as KubeVirt expands them', async () => {
    const r = await wukongAsync(['apply', wukongFile('app-01', app([mgmt])), '--wait', '--timeout', '90', ...k]);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    await settle(state, kc, NS, 90_000);
    const instance = await vmi('app-01');
    // virt-controller applied the instance type: the VMI has its CPU and memory, which the VM never stated.
    expect(instance.spec.domain.memory.guest).toBe('2Gi');
    expect(instance.spec.domain.cpu.sockets).toBe(1);
    expect(instance.spec.volumes.find((v: any) => v.name === 'data').persistentVolumeClaim.claimName).toBe('app-data');
    expect(instance.spec.tolerations).toContainEqual({ key: 'dedicated', operator: 'Equal', value: 'vms', effect: 'NoSchedule' });
    expect((await vm('app-01')).spec.instancetype).toMatchObject({ kind: 'VirtualMachineClusterInstancetype', name: 'u1.small' });
  });

  it('hot-plugs a NIC into it like into any Wukong VM, with no restart marked', async () => {
    const file = wukongFile('app-01', app([mgmt, storage]));
    const plan = await wukongAsync(['plan', file, '--live', ...k]);
    expect(plan.stdout).toMatch(/nic storage\s+hotplug/);
    const r = await wukongAsync(['apply', file, '--wait', '--timeout', '90', ...k]);
    expect(r.code).toBe(0);
    const names = await waitFor('the storage NIC in the VMI status', async () => {
      const ifaces = ((await vmi('app-01')).status?.interfaces ?? []).map((i: any) => i.name);
      return ifaces.includes('storage') ? ifaces : undefined;
    }, diagnostics);
    expect(names).toEqual(expect.arrayContaining(['default', 'mgmt', 'storage']));
    expect(condition(await vm('app-01'), 'RestartRequired')).toBeUndefined();
  });

  it('moves its node selector live, as virt-controller agrees: no RestartRequired', async () => {
    const file = wukongFile('app-01', app([mgmt, storage], { nodeSelector: { 'kubernetes.io/os': 'linux' } }));
    const plan = await wukongAsync(['plan', file, '--live', ...k]);
    expect(plan.stdout).toMatch(/VirtualMachine app-01\s+vm-update\s+nodeSelector set to .*KubeVirt updates the running VMI/);
    const r = await wukongAsync(['apply', file, ...k]);
    expect(r.code).toBe(0);
    await waitFor('the node selector on the VMI', async () => ((await vmi('app-01')).spec.nodeSelector?.['kubernetes.io/os'] === 'linux' ? true : undefined), diagnostics);
    await settle(state, kc, NS);
    expect(condition(await vm('app-01'), 'RestartRequired')).toBeUndefined();
  });

  it('holds a grace period change as restart-required, and with --allow-restart writes it, which virt-controller marks RestartRequired', async () => {
    const file = wukongFile('app-01', app([mgmt, storage], { nodeSelector: { 'kubernetes.io/os': 'linux' }, terminationGracePeriodSeconds: 30 }));
    const held = await wukongAsync(['apply', file, ...k]);
    expect(held.code).toBe(3);
    expect((await vm('app-01')).spec.template.spec.terminationGracePeriodSeconds).toBeUndefined();
    // Written now, and still 3: the VM needs the restart Wukong never does itself.
    const r = await wukongAsync(['apply', file, '--allow-restart', ...k]);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(3);
    expect((await vm('app-01')).spec.template.spec.terminationGracePeriodSeconds).toBe(30);
    const restart = await waitFor('virt-controller to mark the VM RestartRequired', async () => condition(await vm('app-01'), 'RestartRequired'), diagnostics);
    expect(restart.message).toBe('a non-live-updatable field was changed in the template spec');
  });

  it('fails before any write if the VM sets what its instance type sets, naming the field', async () => {
    const r = await wukongAsync(['apply', wukongFile('app-02', app([mgmt], { memory: '4Gi' })), ...k]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/spec\.memory: '4Gi' conflicts with the instance type 'u1\.small', which sets it/);
    await expect(vm('app-02')).rejects.toMatchObject({ code: 404 });
  });

  it('creates a VM whose root disk KubeVirt imports into a DataVolume, and adds a NIC while it provisions', async () => {
    const root = { name: 'root', dataVolume: { source: { registry: { url: 'docker://quay.io/containerdisks/fedora:41' } }, size: '30Gi' } };
    const spec = (networks: object[]) => ({ instancetype: { name: 'u1.small' }, disks: [root], networks });
    const r = await wukongAsync(['apply', wukongFile('db-01', spec([mgmt])), ...k]);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    // virt-controller creates the DataVolume from the template, owned by the VM; with no CDI importer here it stays
    // unpopulated, so the VM waits, as it would until CDI finished.
    const dv = await waitFor('virt-controller to create the DataVolume', async () => {
      try {
        return await custom.getNamespacedCustomObject({ group: 'cdi.kubevirt.io', version: 'v1beta1', plural: 'datavolumes', namespace: NS, name: 'db-01-root' }) as any;
      } catch (e) {
        if ((e as { code?: number }).code === 404) return undefined;
        throw e;
      }
    }, diagnostics);
    expect(dv.metadata.ownerReferences[0]).toMatchObject({ kind: 'VirtualMachine', name: 'db-01' });
    expect(dv.spec.source.registry.url).toBe('docker://quay.io/containerdisks/fedora:41');
    await expect(vmi('db-01')).rejects.toMatchObject({ code: 404 });
    const add = await wukongAsync(['apply', wukongFile('db-01', spec([mgmt, storage])), ...k]);
    expect(add.code).toBe(0);
    const template = (await vm('db-01')).spec.template.spec;
    expect(template.domain.devices.interfaces.map((i: any) => i.name)).toEqual(['default', 'mgmt', 'storage']);
    expect((await vm('db-01')).spec.dataVolumeTemplates.map((t: any) => t.metadata.name)).toEqual(['db-01-root']);
  });
});
