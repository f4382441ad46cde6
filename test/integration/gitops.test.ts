/**
 * Day-2 NIC changes the GitOps way: each revision of a Wukong file is synthesized with `wukong synth --previous
 * --gitops argocd`, and a GitOps applier (server-side apply, as Argo CD syncs) applies it to the real API server, where
 * KubeVirt's virt-controller and admission act on it. No step may restart the VM or mark it RestartRequired.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { describeWithCluster, kubeConfigFor, testCluster } from './support/cluster';
import { Manifest, SyncResult, syncRevision } from './support/gitops-applier';
import { namespaceDiagnostics, settle, waitFor } from './support/kubevirt';
import { ensureNamespace } from './support/objects';
import { wukongAsync } from '../support/cli';

const NS = 'gitops';
const VM = 'edge';
const ETH0 = { name: 'eth0', vlanId: 10, ipConfig: { address: '10.60.0.5/24', gateway: '10.60.0.1' } };
const ETH1 = { name: 'eth1', vlanId: 11, ipConfig: { address: '10.61.0.5/24' } };
const ETH2 = { name: 'eth2', vlanId: 12, ipConfig: { mode: 'dhcp' } };

type Json = Record<string, any>;

/** A Git repository of one Wukong file: each commit is synthesized (against the previous output with `tombstones`) and synced. */
class Repo {
  public synced: Manifest[] = [];
  /** The output directory of the last commit. */
  public out = '';
  private revision = 0;
  private readonly dir = mkdtempSync(join(tmpdir(), 'wukong-gitops-'));

  public constructor(private readonly kc: KubeConfig, private readonly ns: string, private readonly tombstones: boolean) {}

  public async commit(networks: object[], flags: string[] = []): Promise<{ objects: Manifest[]; stderr: string; sync: SyncResult }> {
    this.revision++;
    const source = join(this.dir, `rev${this.revision}.yaml`);
    writeFileSync(source, stringify({ apiVersion: 'vm.novasphere.dev/v1alpha1', kind: 'Wukong', metadata: { name: VM, namespace: this.ns }, spec: { networks } }));
    const out = join(this.dir, `out${this.revision}`);
    const previous = this.tombstones && this.revision > 1 ? ['--previous', join(this.dir, `out${this.revision - 1}`)] : [];
    const r = await wukongAsync(['synth', source, '-o', out, '--gitops', 'argocd', ...previous, ...flags]);
    if (r.code !== 0) throw new Error(`wukong synth failed (${r.code}):\n${r.stderr}`);
    const objects = readdirSync(out).filter(f => f.endsWith('.k8s.yaml'))
      .flatMap(f => parseAllDocuments(readFileSync(join(out, f), 'utf8')).map(d => d.toJSON() as Manifest));
    const sync = await syncRevision(this.kc, objects, this.synced);
    this.synced = objects;
    this.out = out;
    return { objects, stderr: r.stderr, sync };
  }
}

/** Reads the VM and VMI of `ns`, and polls the VM for RestartRequired in the background. */
function watchVm(kc: KubeConfig, ns: string) {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const kv = { group: 'kubevirt.io', version: 'v1', namespace: ns, name: VM };
  const restartRequired: string[] = [];
  const getVm = async () => (await custom.getNamespacedCustomObject({ ...kv, plural: 'virtualmachines' })) as Json;
  let timer: NodeJS.Timeout | undefined;
  return {
    restartRequired,
    getVm,
    getVmi: async () => (await custom.getNamespacedCustomObject({ ...kv, plural: 'virtualmachineinstances' })) as Json,
    nadExists: (name: string) => custom.getNamespacedCustomObject({ group: 'k8s.cni.cncf.io', version: 'v1', namespace: ns, plural: 'network-attachment-definitions', name })
      .then(() => true, () => false),
    start: () => {
      timer = setInterval(() => {
        getVm().then(vm => {
          for (const c of vm.status?.conditions ?? []) if (c.type === 'RestartRequired' && c.status === 'True') restartRequired.push(`${c.reason}: ${c.message}`);
        }, () => undefined);
      }, 200);
    },
    stop: () => clearInterval(timer),
  };
}

const templateIfaces = (vm: Json) => (vm.spec.template.spec.domain.devices.interfaces ?? []).map((i: Json) => `${i.name}${i.state ? `:${i.state}` : ''}`);
const vmiIfaces = (vmi: Json) => (vmi.spec.domain.devices.interfaces ?? []).map((i: Json) => `${i.name}${i.state ? `:${i.state}` : ''}`);

describeWithCluster('GitOps: synthesized revisions synced by server-side apply', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const diagnostics = namespaceDiagnostics(state, kc, NS);
  const repo = new Repo(kc, NS, true);
  const { restartRequired, getVm, getVmi, nadExists, ...watch } = watchVm(kc, NS);
  const commit = (networks: object[], flags?: string[]) => repo.commit(networks, flags);
  let vmiUid = '';

  /** Waits until the VM template and the VMI spec list exactly these interfaces (`name[:state]`). */
  async function waitForIfaces(template: string[], vmi: string[]): Promise<void> {
    await waitFor(`template ${template.join(' ')} and VMI ${vmi.join(' ')}`, async () => {
      const [a, b] = [templateIfaces(await getVm()), vmiIfaces(await getVmi())];
      return JSON.stringify(a) === JSON.stringify(template) && JSON.stringify(b) === JSON.stringify(vmi) ? true : undefined;
    }, diagnostics);
  }

  async function waitForStatus(name: string, want: (iface: Json | undefined) => boolean, what: string): Promise<void> {
    await waitFor(`VMI status of ${name}: ${what}`, async () => {
      const iface = ((await getVmi()).status?.interfaces ?? []).find((i: Json) => i.name === name);
      return want(iface) ? true : undefined;
    }, diagnostics);
  }

  beforeAll(async () => {
    await ensureNamespace(kc, NS);
    watch.start();
  });

  afterAll(() => watch.stop());

  afterEach(async () => {
    // Every step: KubeVirt never asked for a restart, and the same VMI runs.
    expect(restartRequired).toEqual([]);
    expect((await getVmi()).metadata.uid).toBe(vmiUid);
  });

  it('creates the VM and its NADs from the first revision, NADs and Secret in an earlier sync wave', async () => {
    const { sync, objects } = await commit([ETH0, ETH1]);
    expect(sync.applied).toEqual([
      `NetworkAttachmentDefinition/${NS}/${VM}-eth0-nad`, `NetworkAttachmentDefinition/${NS}/${VM}-eth1-nad`, `Secret/${NS}/${VM}-cloudinit`,
      `VirtualMachine/${NS}/${VM}`,
    ]);
    expect(objects.filter(o => o.kind !== 'VirtualMachine').every(o => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] === '-1')).toBe(true);
    await settle(state, kc, NS);
    vmiUid = (await getVmi()).metadata.uid;
    await waitForIfaces(['default', 'eth0', 'eth1'], ['default', 'eth0', 'eth1']);
  });

  it('hot-plugs a NIC added in code', async () => {
    await commit([ETH0, ETH1, ETH2]);
    await waitForIfaces(['default', 'eth0', 'eth1', 'eth2'], ['default', 'eth0', 'eth1', 'eth2']);
    await waitForStatus('eth2', i => !!i && String(i.infoSource).includes('domain'), 'attached to the domain');
  });

  it('keeps a NIC removed from code as a tombstone: KubeVirt unplugs it and drops its entries, its NAD stays, unprunable', async () => {
    const { objects, stderr } = await commit([ETH0, ETH2]);
    expect(stderr).toMatch(new RegExp(`NIC 'eth1' of VM ${NS}/${VM} is in the previous output but not in the code: kept as a tombstone .*finish it with --finish ${NS}/${VM}/eth1`));
    const vm = objects.find(o => o.kind === 'VirtualMachine') as Json;
    expect(templateIfaces(vm)).toEqual(['default', 'eth0', 'eth2', 'eth1:absent']);
    const nad = objects.find(o => o.metadata.name === `${VM}-eth1-nad`)!;
    expect(nad.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    // KubeVirt detaches it, then deletes the absent entries from the VMI and the VM itself.
    await waitForIfaces(['default', 'eth0', 'eth2'], ['default', 'eth0', 'eth2']);
    await waitForStatus('eth1', i => i === undefined, 'gone');
    expect(await nadExists(`${VM}-eth1-nad`)).toBe(true);
  });

  it('leaves Argo CD no difference to show once KubeVirt dropped the entries: its ignoreDifferences, run by gojq as Argo CD runs it', async () => {
    const ignoreDifferences = parse(readFileSync(join(repo.out, 'argocd-ignore-differences.txt'), 'utf8')).ignoreDifferences;
    const normalize = (object: Json) => JSON.parse(execFileSync(join(state.testbed, 'argocd-normalize'), { input: JSON.stringify({ ignoreDifferences, object }), encoding: 'utf8' }));
    // What a diff of the VM's template can show: its NICs and what KubeVirt's mutator and controller default.
    const view = (vm: Json) => ({
      interfaces: vm.spec.template.spec.domain.devices.interfaces,
      networks: vm.spec.template.spec.networks,
      firmware: { uuid: vm.spec.template.spec.domain.firmware?.uuid, serial: vm.spec.template.spec.domain.firmware?.serial },
      pciTopology: vm.spec.template.metadata.annotations?.['kubevirt.io/pci-topology-version'],
    });
    const desired = repo.synced.find(o => o.kind === 'VirtualMachine') as Json;
    const live = await getVm();
    expect(view(live)).not.toEqual(view(desired));
    expect(view(live).pciTopology).toBeDefined();
    expect(view(normalize(live))).toEqual(view(normalize(desired)));
    expect(normalize(desired).spec.template.spec.domain.devices.interfaces.map((i: Json) => i.name)).toEqual(['default', 'eth0', 'eth2']);
  });

  it('converges without a restart when the same revision is synced again after KubeVirt dropped the entries (self-heal)', async () => {
    const vm = repo.synced.find(o => o.kind === 'VirtualMachine') as Json;
    expect(templateIfaces(vm)).toContain('eth1:absent');
    await syncRevision(kc, repo.synced, repo.synced);
    // The re-added absent entry is never plugged: KubeVirt drops it again.
    await waitForIfaces(['default', 'eth0', 'eth2'], ['default', 'eth0', 'eth2']);
    await settle(state, kc, NS);
    expect(vmiIfaces(await getVmi())).not.toContain('eth1');
  });

  it('sets a NIC\'s link down and up again, live, with the tombstone carried along', async () => {
    const down = await commit([ETH0, { ...ETH2, linkState: 'down' }]);
    expect(templateIfaces(down.objects.find(o => o.kind === 'VirtualMachine') as Json)).toEqual(['default', 'eth0', 'eth2:down', 'eth1:absent']);
    await waitForIfaces(['default', 'eth0', 'eth2:down'], ['default', 'eth0', 'eth2:down']);
    await waitForStatus('eth2', i => i?.linkState === 'down', 'link down');
    await commit([ETH0, ETH2]);
    await waitForIfaces(['default', 'eth0', 'eth2'], ['default', 'eth0', 'eth2']);
    await waitForStatus('eth2', i => i?.linkState === 'up', 'link up');
  });

  it('finishes the tombstone: the NAD leaves Git, the applier leaves it (Prune=false) and says so, and deleting it is safe', async () => {
    const { objects, stderr, sync } = await commit([ETH0, ETH2], ['--finish', `${NS}/${VM}/eth1`]);
    expect(objects.some(o => o.metadata.name === `${VM}-eth1-nad`)).toBe(false);
    expect(templateIfaces(objects.find(o => o.kind === 'VirtualMachine') as Json)).toEqual(['default', 'eth0', 'eth2']);
    expect(stderr).toMatch(`kubectl delete network-attachment-definitions.k8s.cni.cncf.io -n ${NS} ${VM}-eth1-nad`);
    expect(sync.pruneSkipped).toEqual([`NetworkAttachmentDefinition/${NS}/${VM}-eth1-nad`]);
    await custom.deleteNamespacedCustomObject({ group: 'k8s.cni.cncf.io', version: 'v1', namespace: NS, plural: 'network-attachment-definitions', name: `${VM}-eth1-nad` });
    await settle(state, kc, NS);
    await waitForIfaces(['default', 'eth0', 'eth2'], ['default', 'eth0', 'eth2']);
  });
});

describeWithCluster('GitOps without tombstones: what the tombstones prevent', () => {
  const state = testCluster()!;
  const kc = kubeConfigFor(state);
  const ns = 'gitops-plain';
  const repo = new Repo(kc, ns, false);
  const vm = watchVm(kc, ns);

  beforeAll(async () => {
    await ensureNamespace(kc, ns);
    vm.start();
  });

  afterAll(() => vm.stop());

  it('a NIC simply dropped from the output stays in the guest, KubeVirt asks for a restart, and its NAD is pruned while in use', async () => {
    await repo.commit([ETH0, ETH1]);
    await settle(state, kc, ns);
    const { sync } = await repo.commit([ETH0]);
    expect(sync.pruned).toEqual([`NetworkAttachmentDefinition/${ns}/${VM}-eth1-nad`]);
    await waitFor('RestartRequired', async () => (vm.restartRequired.length ? true : undefined), namespaceDiagnostics(state, kc, ns));
    expect(vmiIfaces(await vm.getVmi())).toEqual(['default', 'eth0', 'eth1']);
    expect(templateIfaces(await vm.getVm())).toEqual(['default', 'eth0']);
    expect(await vm.nadExists(`${VM}-eth1-nad`)).toBe(false);
  });
});
