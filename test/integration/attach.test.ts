/**
 * Wukong's NICs on a VirtualMachine defined elsewhere (issue 15), on KubeVirt's own controller and admission: a VM its
 * team created and runs gets NICs hot-plugged through `wukong attach … --wukong` and `wukong apply`, keeping every field
 * of its own; the planner's live-or-restart call for what attaching changes matches virt-controller's; and day-2 NIC
 * changes on an attached VM go as on any VM Wukong made.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CustomObjectsApi, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { namespaceDiagnostics, restartVm, settle, waitFor } from './support/kubevirt';
import { ensureNamespace } from './support/objects';
import { Cluster, deleteVm } from '../../src/kube';
import { ROOT, wukongAsync } from '../support/cli';

const NS = 'attach';
const VM = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines' };
const VMI = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachineinstances' };
const EXAMPLE = join(ROOT, 'examples', 'attach');

describeWithCluster('NICs attached to a VirtualMachine defined elsewhere', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const k = ['--kubeconfig', state.kubeconfig];
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const dir = mkdtempSync(join(tmpdir(), 'wukong-attach-'));
  const diagnostics = namespaceDiagnostics(state, kc, NS);

  const vm = (name: string) => custom.getNamespacedCustomObject({ ...VM, namespace: NS, name }) as Promise<any>;
  const vmi = (name: string) => custom.getNamespacedCustomObject({ ...VMI, namespace: NS, name }) as Promise<any>;
  const condition = (o: any, type: string) => (o.status?.conditions ?? []).find((c: any) => c.type === type);
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  /** The example VM, in this suite's namespace, under `name`. */
  const legacyVm = (name: string) => {
    const doc = parse(readFileSync(join(EXAMPLE, 'legacy-vm.yaml'), 'utf8'));
    doc.metadata = { ...doc.metadata, name, namespace: NS };
    return doc;
  };
  /** `wukong attach VM NICS --wukong`, written to a file for plan and apply. */
  const attached = async (vmFile: string, nicsFile: string) => {
    const r = await wukongAsync(['attach', vmFile, nicsFile, '--wukong']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return write(`${vmFile.split('/').pop()}.wukong.yaml`, r.stdout);
  };
  const guestInterfaces = async (name: string) => ((await vmi(name)).status?.interfaces ?? []).map((i: any) => i.name);

  beforeAll(async () => {
    await ensureNamespace(kc, NS);
  });

  afterAll(async () => {
    const cluster = new Cluster(kc);
    for (const name of ['legacy-db', 'legacy-new']) await deleteVm(cluster, NS, name, { pollMs: 200, timeoutSeconds: 60 }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('hot-plugs NICs into a running VM its team created, keeping its fields, and holds what needs a restart', async () => {
    const own = legacyVm('legacy-db');
    await objects.create(own as KubernetesObject);
    await settle(state, kc, NS, 90_000);
    const vmFile = write('legacy-db.yaml', stringify(own));
    const file = await attached(vmFile, join(EXAMPLE, 'nics.yaml'));

    const plan = await wukongAsync(['plan', file, '--live', ...k]);
    expect(plan.stdout).toMatch(/nic storage\s+hotplug/);
    expect(plan.stdout).toMatch(/nic backup\s+hotplug/);
    // Wukong's network data finds the pod NIC by a MAC it pins, and moves into Wukong's Secret: both wait for a restart.
    expect(plan.stdout).toMatch(/nic default\s+restart-required\s+no\s+.*MAC \(none\) → /);
    expect(plan.stdout).toMatch(/VirtualMachine legacy-db\s+restart-required\s+no\s+cloud-init source/);

    const r = await wukongAsync(['apply', file, '--wait', '--timeout', '90', ...k]);
    expect(r.code).toBe(3);
    await waitFor('the attached NICs in the VMI status', async () => {
      const names = await guestInterfaces('legacy-db');
      return names.includes('storage') && names.includes('backup') ? names : undefined;
    }, diagnostics);
    const live = await vm('legacy-db');
    const tspec = live.spec.template.spec;
    // The VM's own fields are as its team wrote them; the held changes are not written.
    expect(tspec.domain.cpu).toMatchObject(own.spec.template.spec.domain.cpu);
    expect(tspec.volumes.find((v: any) => v.name === 'cloudinit')).toEqual(own.spec.template.spec.volumes[1]);
    expect(tspec.domain.devices.interfaces[0].macAddress).toBeUndefined();
    expect(condition(live, 'RestartRequired')).toBeUndefined();

    const status = await wukongAsync(['status', 'legacy-db', '-n', NS, ...k]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/storage/);

    // With --allow-restart the rest is written, and virt-controller marks the restart the plan announced.
    const allowed = await wukongAsync(['apply', file, '--allow-restart', ...k]);
    expect(allowed.stderr).not.toMatch(/^error/m);
    // Written to the template; exit 3 still says the VM needs the restart.
    expect(allowed.code).toBe(3);
    await waitFor('RestartRequired from virt-controller', async () => (condition(await vm('legacy-db'), 'RestartRequired') ? true : undefined), diagnostics);
    const written = (await vm('legacy-db')).spec.template.spec;
    expect(written.volumes.find((v: any) => v.name === 'cloudinit').cloudInitNoCloud).toEqual({
      userData: own.spec.template.spec.volumes[1].cloudInitNoCloud.userData, networkDataSecretRef: { name: 'legacy-db-cloudinit' },
    });
    await restartVm(state, kc, NS, 'legacy-db');
    expect(condition(await vm('legacy-db'), 'RestartRequired')).toBeUndefined();
    const plain = await wukongAsync(['plan', file, '--live', ...k]);
    expect(plain.stdout).not.toMatch(/restart-required|hotplug/);
  });

  it('changes the NICs of an attached VM on day 2 as on a VM Wukong made: added hot-plugs, removed unplugs, no restart', async () => {
    const vmFile = write('legacy-new.yaml', stringify(legacyVm('legacy-new')));
    const nics = (networks: object[]) => write('nics.yaml', stringify({ networks }));
    const storage = { name: 'storage', type: 'bridge', vlanId: 200, ipConfig: { address: '192.168.200.42/24' } };
    const backup = { name: 'backup', type: 'bridge', vlanId: 300, ipConfig: { address: '10.30.0.42/24' } };
    const first = await wukongAsync(['apply', await attached(vmFile, nics([storage])), '--wait', '--timeout', '90', ...k]);
    expect(first.stderr).not.toMatch(/^error/m);
    expect(first.code).toBe(0);
    await settle(state, kc, NS, 90_000);

    const added = await attached(vmFile, nics([storage, backup]));
    expect((await wukongAsync(['plan', added, '--live', ...k])).stdout).toMatch(/nic backup\s+hotplug/);
    expect((await wukongAsync(['apply', added, '--wait', '--timeout', '90', ...k])).code).toBe(0);
    await waitFor('backup in the VMI status', async () => ((await guestInterfaces('legacy-new')).includes('backup') ? true : undefined), diagnostics);

    const removed = await attached(vmFile, nics([backup]));
    expect((await wukongAsync(['plan', removed, '--live', ...k])).stdout).toMatch(/nic storage\s+unplug/);
    expect((await wukongAsync(['apply', removed, ...k])).code).toBe(0);
    const iface = (await vm('legacy-new')).spec.template.spec.domain.devices.interfaces.find((i: any) => i.name === 'storage');
    expect(iface?.state ?? 'gone').toMatch(/^(absent|gone)$/);
    await settle(state, kc, NS);
    expect(condition(await vm('legacy-new'), 'RestartRequired')).toBeUndefined();
  });

  it('hot-plugs a CPU socket added to the VM\'s own spec, as virt-controller does under LiveUpdate: no restart', async () => {
    const grown = legacyVm('legacy-new');
    grown.spec.template.spec.domain.cpu.sockets = 2;
    const file = await attached(write('legacy-new-2.yaml', stringify(grown)), write('nics2.yaml', stringify({
      networks: [{ name: 'backup', type: 'bridge', vlanId: 300, ipConfig: { address: '10.30.0.42/24' } }],
    })));
    const maxSockets = (await vmi('legacy-new')).spec.domain.cpu.maxSockets;
    expect(maxSockets).toBeGreaterThanOrEqual(2);
    const plan = await wukongAsync(['plan', file, '--live', ...k]);
    expect(plan.stdout).toMatch(new RegExp(`VirtualMachine legacy-new\\s+vm-update\\s+.*CPU hot-plug: KubeVirt adds the sockets to the running guest \\(up to its ${maxSockets}\\)`));
    const r = await wukongAsync(['apply', file, ...k]);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    // virt-controller patches the running VMI's sockets itself (pkg/virt-controller/watch/vm/vm.go, VMICPUsPatch).
    await waitFor('2 sockets on the VMI', async () => ((await vmi('legacy-new')).spec.domain.cpu.sockets === 2 ? true : undefined), diagnostics);
    await settle(state, kc, NS);
    expect(condition(await vm('legacy-new'), 'RestartRequired')).toBeUndefined();
  });
});
