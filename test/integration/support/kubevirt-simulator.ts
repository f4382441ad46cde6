/**
 * A stand-in for KubeVirt's controllers (virt-controller, virt-handler, virt-launcher, workload-updater), for tests
 * only. It watches VirtualMachines on the real test API server and does what `kubevirt-hotplug.md` (repository:
 * shared/reference) documents, rule by rule; each rule cites its section (§n). Nothing else of KubeVirt is modelled:
 * no admission webhooks, no scheduling.
 */
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { ensureNamespace } from './objects';
import { KubeVirtVersion, atLeast, formatKubeVirtVersion, hotplugPortBudget, podInterfaceName, quantityToBytes, stableStringify } from '../../../src';

export interface SimulatorOptions {
  readonly version: KubeVirtVersion;
  /** Namespaces whose VMs this simulator runs (suites share one API server, and each runs its own KubeVirt). */
  readonly namespaces: string[];
  /** Thick Multus + multus-dynamic-networks-controller present: bridge NICs plug in place (§1). @default true */
  readonly dynamicNetworks?: boolean;
  /** v1.6+: LiveUpdate rollout strategy and workloadUpdateMethods [LiveMigrate]: migrations happen by themselves (§5). @default true */
  readonly autoMigration?: boolean;
  /** Poll interval. @default 100 */
  readonly stepMs?: number;
  /**
   * Publish a KubeVirt CR with this version (what Wukong reads). Suites simulating another version than the shared
   * default run unpublished and tell Wukong the version instead. @default true
   */
  readonly publishVersion?: boolean;
}

const JSON_PATCH = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const VM = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines' };
const VMI = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachineinstances' };
const HOTPLUGGABLE = ['bridge', 'sriov'];
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function bindingOf(iface: any): string {
  for (const k of ['masquerade', 'bridge', 'sriov', 'passt', 'passtBinding', 'slirp', 'macvtap']) if (iface[k] !== undefined) return k;
  return iface.binding?.name ? `binding:${iface.binding.name}` : 'none';
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x));
}

/** What the simulator remembers about a running VMI (virt-launcher state that the API does not show). */
interface Launcher {
  /** The VM template spec the VMI started from, for RestartRequired (§6). */
  readonly startSpec: any;
  /**
   * Free PCIe root ports: reserved at start (§7), taken by each hot-plug, and given back when a device is detached
   * (root ports are a pool fixed at start; detaching a device empties its port, which the next hot-plug can use).
   */
  free: number;
}

export class KubeVirtSimulator {
  private readonly api: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly launchers = new Map<string, Launcher>();
  /** Interfaces removed by KubeVirt itself after an unplug (`vm key/name`): no RestartRequired for those (§6). */
  private readonly unplugged = new Set<string>();
  private running = false;
  private passing: Promise<void> = Promise.resolve();
  private loop?: Promise<void>;
  private writes = 0;
  private passes = 0;
  private errors: string[] = [];

  public constructor(private readonly kc: KubeConfig, private readonly opts: SimulatorOptions) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  public get version(): KubeVirtVersion {
    return this.opts.version;
  }

  /** Starts reconciling; also publishes a KubeVirt CR with `status.observedKubeVirtVersion` (in `kubevirt-<first namespace>`). */
  public async start(): Promise<void> {
    if (this.opts.publishVersion ?? true) await this.publishVersion(`kubevirt-${this.opts.namespaces[0]}`);
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.pass();
        } catch (e) {
          this.errors.push(String((e as { body?: string }).body ?? e));
        }
        await sleep(this.opts.stepMs ?? 100);
      }
    })();
  }

  public async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /**
   * Errors the controllers hit, but those real controllers shrug off too: conflicts (retried next pass) and objects
   * deleted while being reconciled. Anything else here is a bug in the test setup.
   */
  public get failures(): string[] {
    const benign = (e: string) => /Conflict|the object has been modified|"code":404|NotFound/i.test(e) || (/"code":422/.test(e) && !/"causes"/.test(e));
    return this.errors.filter(e => !benign(e));
  }

  /** Waits until a whole pass writes nothing. */
  public async settle(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [w, p] = [this.writes, this.passes];
      while (this.passes < p + 2) await sleep(20);
      if (this.writes === w) return;
      if (Date.now() > deadline) throw new Error('KubeVirt simulator did not settle');
    }
  }

  /** `virtctl restart`: the VMI is recreated from the template and RestartRequired clears (§6, §7). */
  public async restart(namespace: string, name: string): Promise<void> {
    await this.deleteVmi(namespace, name);
    await this.pass();
  }

  /** A live migration: pending SR-IOV plugs and NAD swaps are applied and MigrationRequired clears (§4, §5). */
  public async migrate(namespace: string, name: string): Promise<void> {
    const vmi = await this.getVmi(namespace, name);
    if (vmi) await this.applyMigration(vmi);
  }

  private async publishVersion(namespace: string): Promise<void> {
    await ensureNamespace(this.kc, namespace);
    const body = {
      apiVersion: 'kubevirt.io/v1', kind: 'KubeVirt', metadata: { name: 'kubevirt', namespace },
    };
    try {
      await this.api.createNamespacedCustomObject({ group: 'kubevirt.io', version: 'v1', plural: 'kubevirts', namespace, body });
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
    }
    await this.api.patchNamespacedCustomObjectStatus({
      group: 'kubevirt.io',
      version: 'v1',
      plural: 'kubevirts',
      namespace,
      name: 'kubevirt',
      body: [{ op: 'add', path: '/status', value: { observedKubeVirtVersion: `${formatKubeVirtVersion(this.opts.version)}.0`, phase: 'Deployed' } }],
    }, JSON_PATCH);
  }

  /**
   * One reconcile pass at a time: `restart()` runs a pass of its own while the loop runs, and two passes that both
   * see no VMI would both create it (seen on the faster 1.34 server as 409 AlreadyExists).
   */
  private pass(): Promise<void> {
    const next = this.passing.then(() => this.reconcileAll());
    this.passing = next.catch(() => undefined);
    return next;
  }

  private async reconcileAll(): Promise<void> {
    const mine = (o: any) => this.opts.namespaces.includes(o.metadata.namespace);
    const vms = ((await this.api.listCustomObjectForAllNamespaces({ ...VM, resourcePlural: VM.plural })).items as any[]).filter(mine);
    for (const vm of vms) await this.reconcile(vm);
    // A VMI belongs to its VM (ownerReference): it goes when the VM is deleted.
    for (const vmi of ((await this.api.listCustomObjectForAllNamespaces({ ...VMI, resourcePlural: VMI.plural })).items as any[]).filter(mine)) {
      if (!vms.some(vm => vm.metadata.namespace === vmi.metadata.namespace && vm.metadata.name === vmi.metadata.name)) {
        await this.deleteVmi(vmi.metadata.namespace, vmi.metadata.name);
      }
    }
    this.passes++;
  }

  private async patchVm(vm: any, ops: any[]): Promise<void> {
    await this.api.patchNamespacedCustomObject({
      ...VM,
      namespace: vm.metadata.namespace,
      name: vm.metadata.name,
      body: [{ op: 'test', path: '/metadata/resourceVersion', value: vm.metadata.resourceVersion }, ...ops],
    }, JSON_PATCH);
    this.writes++;
  }

  private async patchVmStatus(vm: any, status: any): Promise<void> {
    if (stableStringify(vm.status ?? {}) === stableStringify(status)) return;
    await this.api.patchNamespacedCustomObjectStatus({
      ...VM,
      namespace: vm.metadata.namespace,
      name: vm.metadata.name,
      body: [{ op: 'add', path: '/status', value: status }],
    }, JSON_PATCH);
    this.writes++;
  }

  private async getVmi(namespace: string, name: string): Promise<any | undefined> {
    try {
      return await this.api.getNamespacedCustomObject({ ...VMI, namespace, name });
    } catch (e) {
      if ((e as { code?: number }).code === 404) return undefined;
      throw e;
    }
  }

  private async replaceVmi(vmi: any): Promise<void> {
    await this.api.replaceNamespacedCustomObject({ ...VMI, namespace: vmi.metadata.namespace, name: vmi.metadata.name, body: vmi });
    this.writes++;
  }

  private async deleteVmi(namespace: string, name: string): Promise<void> {
    try {
      await this.api.deleteNamespacedCustomObject({ ...VMI, namespace, name });
      this.writes++;
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
    this.launchers.delete(`${namespace}/${name}`);
    for (const k of [...this.unplugged]) if (k.startsWith(`${namespace}/${name}/`)) this.unplugged.delete(k);
  }

  private async reconcile(vm: any): Promise<void> {
    const ns = vm.metadata.namespace;
    const name = vm.metadata.name;
    const tspec = vm.spec?.template?.spec ?? {};
    // §0.7: virt-controller fills spec.template.spec.domain.firmware.uuid when empty (v1.6+), and sets the
    // kubevirt.io/pci-topology-version template annotation to v3 when the VM is created (v1.8+). Wukong must not fight either.
    if (atLeast(this.opts.version, 1, 6) && !tspec.domain?.firmware?.uuid) {
      const uuid = `5e7d8a6f-0000-4000-8000-${Buffer.from(`${ns}/${name}`).toString('hex').slice(0, 12).padEnd(12, '0')}`;
      await this.patchVm(vm, [tspec.domain?.firmware ? { op: 'add', path: '/spec/template/spec/domain/firmware/uuid', value: uuid }
        : { op: 'add', path: '/spec/template/spec/domain/firmware', value: { uuid } }]);
      return;
    }
    if (atLeast(this.opts.version, 1, 8) && !vm.spec?.template?.metadata?.annotations?.['kubevirt.io/pci-topology-version']) {
      await this.patchVm(vm, [vm.spec.template.metadata?.annotations
        ? { op: 'add', path: '/spec/template/metadata/annotations/kubevirt.io~1pci-topology-version', value: 'v3' }
        : { op: 'add', path: '/spec/template/metadata/annotations', value: { 'kubevirt.io/pci-topology-version': 'v3' } }]);
      return;
    }
    const strategy = vm.spec?.runStrategy ?? 'Always';
    let vmi = await this.getVmi(ns, name);
    if (!vmi && ['Always', 'RerunOnFailure', 'Once'].includes(strategy)) vmi = await this.startVmi(vm);
    if (vmi && strategy === 'Halted') {
      await this.deleteVmi(ns, name);
      vmi = undefined;
    }
    if (!vmi) {
      await this.stoppedVm(vm);
      return;
    }
    await this.syncInterfaces(vm, vmi);
  }

  /** A stopped VM: absent interfaces are removed at once from v1.6 on (§3.4, PR #14738); before, they stay. */
  private async stoppedVm(vm: any): Promise<void> {
    const ifaces: any[] = vm.spec.template.spec.domain.devices.interfaces ?? [];
    const nets: any[] = vm.spec.template.spec.networks ?? [];
    if (atLeast(this.opts.version, 1, 6)) {
      const ops: any[] = [];
      ifaces.forEach((i, idx) => { if (i.state === 'absent') ops.unshift({ op: 'remove', path: `/spec/template/spec/domain/devices/interfaces/${idx}` }); });
      nets.forEach((n, idx) => {
        if (ifaces.some(i => i.name === n.name && i.state === 'absent')) ops.unshift({ op: 'remove', path: `/spec/template/spec/networks/${idx}` });
      });
      if (ops.length) {
        await this.patchVm(vm, ops.sort((a, b) => b.path.localeCompare(a.path, undefined, { numeric: true })));
        return;
      }
    }
    await this.patchVmStatus(vm, { printableStatus: 'Stopped', ready: false, conditions: [] });
  }

  /** Starts a VMI from the template (§1); reserves hot-plug ports for it (§7). */
  private async startVmi(vm: any): Promise<any> {
    const ns = vm.metadata.namespace;
    const spec = clone(vm.spec.template.spec);
    const live = (spec.domain.devices.interfaces ?? []).filter((i: any) => i.state !== 'absent');
    spec.domain.devices.interfaces = live;
    spec.networks = (spec.networks ?? []).filter((n: any) => live.some((i: any) => i.name === n.name));
    const network = await this.networkData(vm);
    const body = {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstance',
      metadata: { name: vm.metadata.name, namespace: ns, labels: vm.spec.template.metadata?.labels ?? {} },
      spec,
      status: {
        phase: 'Running',
        nodeName: 'sim-node',
        interfaces: live.map((i: any, idx: number) => this.statusEntry(i, spec.networks, idx, network, ['domain', 'guest-agent', 'multus-status'])),
        conditions: [],
      },
    };
    const created = await this.api.createNamespacedCustomObject({ ...VMI, namespace: ns, body });
    this.writes++;
    const memory = quantityToBytes(vm.spec.template.spec.domain?.memory?.guest ?? '1Gi') ?? 0;
    const ports = hotplugPortBudget({ version: this.opts.version, interfaces: live.length, otherDevices: 2, guestMemoryBytes: memory });
    this.launchers.set(`${ns}/${vm.metadata.name}`, { startSpec: clone(vm.spec.template.spec), free: ports });
    await this.patchVmStatus(await this.fresh(vm), { printableStatus: 'Running', ready: true, conditions: [] });
    return created;
  }

  private async fresh(vm: any): Promise<any> {
    return this.api.getNamespacedCustomObject({ ...VM, namespace: vm.metadata.namespace, name: vm.metadata.name });
  }

  /** Static addresses of the guest's network data, as the guest agent would report them once cloud-init applied them. */
  private async networkData(vm: any): Promise<Record<string, string[]>> {
    const ref = (vm.spec.template.spec.volumes ?? []).find((v: any) => v.cloudInitNoCloud)?.cloudInitNoCloud?.networkDataSecretRef?.name;
    if (!ref) return {};
    try {
      const secret = await this.core.readNamespacedSecret({ namespace: vm.metadata.namespace, name: ref });
      const text = secret?.data?.networkdata ? Buffer.from(secret.data.networkdata, 'base64').toString('utf8') : '';
      const doc = text ? parse(text) : {};
      return Object.fromEntries(Object.entries(doc.ethernets ?? {}).map(([k, v]: [string, any]) => [k, (v.addresses ?? []).map((a: string) => a.split('/')[0])]));
    } catch {
      return {};
    }
  }

  /** A VMI `status.interfaces` entry (§8): mac from the domain, podInterfaceName by the naming scheme. */
  private statusEntry(iface: any, networks: any[], index: number, addresses: Record<string, string[]>, infoSource: string[]): any {
    const net = networks.find((n: any) => n.name === iface.name);
    const ips = net?.pod ? ['10.0.2.2'] : addresses[iface.name] ?? [];
    return {
      name: iface.name,
      mac: iface.macAddress ?? `02:00:00:00:00:${index.toString(16).padStart(2, '0')}`,
      infoSource: infoSource.join(', '),
      interfaceName: iface.name,
      ipAddress: ips[0],
      ipAddresses: ips,
      linkState: 'up',
      podInterfaceName: net?.pod ? 'eth0' : podInterfaceName(iface.name),
      queueCount: 1,
    };
  }

  /** The network VM controller and virt-launcher: plug, unplug, clean up, and report RestartRequired (§1, §3, §6). */
  private async syncInterfaces(vm: any, vmi: any): Promise<void> {
    const key = `${vm.metadata.namespace}/${vm.metadata.name}`;
    const launcher = this.launchers.get(key) ?? { startSpec: clone(vmi.spec), free: 0 };
    this.launchers.set(key, launcher);
    const tIfaces: any[] = vm.spec.template.spec.domain.devices.interfaces ?? [];
    const tNets: any[] = vm.spec.template.spec.networks ?? [];
    const vIfaces: any[] = vmi.spec.domain.devices.interfaces ?? [];
    const status: any[] = vmi.status.interfaces ?? [];
    const conditions: any[] = vmi.status.conditions ?? [];
    const hotplugOk = atLeast(this.opts.version, 1, 1);
    let changed = false;

    // §3.4: once a detached interface is gone from the VMI status, virt-controller deletes it from the VMI spec and
    // then from the VM template.
    for (const v of [...vIfaces]) {
      if (v.state === 'absent' && !status.some(s => s.name === v.name)) {
        vmi.spec.domain.devices.interfaces = vmi.spec.domain.devices.interfaces.filter((i: any) => i.name !== v.name);
        vmi.spec.networks = vmi.spec.networks.filter((n: any) => n.name !== v.name);
        changed = true;
        this.unplugged.add(`${key}/${v.name}`);
        const ops: any[] = [];
        const ti = tIfaces.findIndex(i => i.name === v.name);
        const tn = tNets.findIndex(n => n.name === v.name);
        if (tn >= 0) ops.push({ op: 'remove', path: `/spec/template/spec/networks/${tn}` });
        if (ti >= 0) ops.push({ op: 'remove', path: `/spec/template/spec/domain/devices/interfaces/${ti}` });
        if (ops.length) {
          await this.replaceVmi(vmi);
          await this.patchVm(vm, ops);
          return;
        }
      }
    }
    for (const t of tIfaces) {
      const v = vmi.spec.domain.devices.interfaces.find((i: any) => i.name === t.name);
      if (!v && t.state !== 'absent' && hotplugOk && HOTPLUGGABLE.includes(bindingOf(t))) {
        // §1.1: the network VM controller copies new bridge/sriov interfaces (and their networks) into the VMI spec.
        // §4: any other binding is never copied: silently pending until the next restart.
        vmi.spec.domain.devices.interfaces.push(clone(t));
        const net = tNets.find(n => n.name === t.name);
        if (net) vmi.spec.networks.push(clone(net));
        changed = true;
      } else if (v && t.state === 'absent' && v.state !== 'absent' && hotplugOk) {
        // §3.1: the absent state is copied to the VMI spec.
        v.state = 'absent';
        changed = true;
      }
    }
    for (const v of vmi.spec.domain.devices.interfaces) {
      const st = status.find(s => s.name === v.name);
      const sources: string[] = st ? String(st.infoSource).split(', ') : [];
      if (v.state === 'absent') {
        if (st) {
          // §3.2-3: virt-launcher detaches the device; the dynamic-networks controller removes the pod interface.
          vmi.status.interfaces = vmi.status.interfaces.filter((s: any) => s.name !== v.name);
          if (sources.includes('domain')) launcher.free++;
          changed = true;
        }
        continue;
      }
      if (!st) {
        if (bindingOf(v) === 'bridge' && (this.opts.dynamicNetworks ?? true)) {
          // §1.3: the pod attachment appears in the network-status: infoSource multus-status.
          vmi.status.interfaces.push(this.statusEntry(v, vmi.spec.networks, vmi.status.interfaces.length, await this.networkData(vm), ['multus-status']));
          changed = true;
        } else if (atLeast(this.opts.version, 1, 6) && !conditions.some(c => c.type === 'MigrationRequired' && c.status === 'True')) {
          // §5: SR-IOV (allocated at pod start), or no dynamic-networks controller: MigrationRequired.
          conditions.push({ type: 'MigrationRequired', status: 'True', reason: 'HotplugNetworkInterfaces' });
          vmi.status.conditions = conditions;
          changed = true;
        }
        continue;
      }
      if (!sources.includes('domain') && sources.includes('multus-status') && launcher.free > 0) {
        // §1.4 and §7: virt-launcher attaches the device if a reserved PCIe port is free.
        st.infoSource = ['domain', 'guest-agent', 'multus-status'].join(', ');
        launcher.free--;
        changed = true;
      }
    }
    // §4: NAD reference changes (v1.9 GA, v1.8 behind LiveUpdateNADRef) are carried out by a migration.
    if (atLeast(this.opts.version, 1, 8)) {
      for (const n of tNets) {
        const v = vmi.spec.networks.find((x: any) => x.name === n.name);
        if (v?.multus && n.multus && v.multus.networkName !== n.multus.networkName && !conditions.some(c => c.type === 'MigrationRequired')) {
          conditions.push({ type: 'MigrationRequired', status: 'True', reason: 'NetworkAttachmentDefinitionChange' });
          vmi.status.conditions = conditions;
          changed = true;
        }
      }
    }
    if (changed) await this.replaceVmi(vmi);
    const migrationPending = (vmi.status.conditions ?? []).some((c: any) => c.type === 'MigrationRequired' && c.status === 'True');
    if (migrationPending && atLeast(this.opts.version, 1, 6) && (this.opts.autoMigration ?? true)) {
      // §5: the workload-updater migrates the VM (LiveUpdate strategy, workloadUpdateMethods [LiveMigrate]).
      await this.applyMigration(await this.getVmi(vm.metadata.namespace, vm.metadata.name));
    }
    await this.patchVmStatus(await this.fresh(vm), {
      printableStatus: 'Running',
      ready: true,
      conditions: this.restartRequired(key, launcher.startSpec, vm.spec.template.spec)
        ? [{ type: 'RestartRequired', status: 'True', message: 'a non-live-updatable field was changed in the template spec' }] : [],
    });
  }

  /** A migration builds a new domain: every pending interface is plugged and NAD references follow the VM (§4, §5). */
  private async applyMigration(vmi: any): Promise<void> {
    const vm = await this.fresh(vmi);
    const tNets: any[] = vm.spec.template.spec.networks ?? [];
    const network = await this.networkData(vm);
    for (const v of vmi.spec.domain.devices.interfaces) {
      if (v.state === 'absent') continue;
      const st = vmi.status.interfaces.find((s: any) => s.name === v.name);
      if (st) st.infoSource = ['domain', 'guest-agent', 'multus-status'].join(', ');
      else vmi.status.interfaces.push(this.statusEntry(v, vmi.spec.networks, vmi.status.interfaces.length, network, ['domain', 'guest-agent', 'multus-status']));
    }
    for (const n of vmi.spec.networks) {
      const t = tNets.find(x => x.name === n.name);
      if (t?.multus && n.multus) n.multus.networkName = t.multus.networkName;
    }
    vmi.status.conditions = (vmi.status.conditions ?? []).filter((c: any) => c.type !== 'MigrationRequired');
    vmi.status.migrationState = { completed: true };
    await this.replaceVmi(vmi);
  }

  /** §6: what makes the VM RestartRequired, by version. */
  private restartRequired(key: string, start: any, now: any): boolean {
    const removedThroughAbsent = (name: string) => this.unplugged.has(`${key}/${name}`);
    const plain = (s: any) => clone({ cpu: s.domain?.cpu, memory: s.domain?.memory, volumes: s.volumes });
    if (stableStringify(plain(start)) !== stableStringify(plain(now))) return true;
    const ifaces = (s: any) => (s.domain?.devices?.interfaces ?? []) as any[];
    const nets = (s: any) => (s.networks ?? []) as any[];
    if (atLeast(this.opts.version, 1, 2) && !atLeast(this.opts.version, 1, 6)) {
      // v1.2-1.5: interfaces and networks are not live-updatable: any NIC edit sets RestartRequired.
      return stableStringify(ifaces(start)) !== stableStringify(ifaces(now)) || stableStringify(nets(start)) !== stableStringify(nets(now));
    }
    if (!atLeast(this.opts.version, 1, 6)) return false;
    for (const s of ifaces(start)) {
      const n = ifaces(now).find(i => i.name === s.name);
      // Removed without going through absent, or any field but state changed.
      if (!n) return !removedThroughAbsent(s.name);
      const { state: _a, ...a } = s;
      const { state: _b, ...b } = n;
      if (stableStringify(a) !== stableStringify(b)) return true;
    }
    for (const s of nets(start)) {
      const n = nets(now).find(x => x.name === s.name);
      if (!n) return !removedThroughAbsent(s.name);
      const strip = (x: any) => ({ ...x, multus: x.multus ? { ...x.multus, networkName: atLeast(this.opts.version, 1, 9) ? '' : x.multus.networkName } : undefined });
      if (stableStringify(strip(s)) !== stableStringify(strip(n))) return true;
    }
    // Adding a pod network to a VMI without one (v1.8+).
    return atLeast(this.opts.version, 1, 8) && !nets(start).some(n => n.pod) && nets(now).some(n => n.pod);
  }
}
