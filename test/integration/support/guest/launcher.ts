/**
 * virt-launcher with a real guest, for the node stand-in (../node-stand-in.ts): for a VMI in a namespace labelled
 * `wukong.test/guest: netplan|nm` it boots the Debian guest of testbed/guest under QEMU (machine.ts) the way
 * virt-launcher has libvirt boot the domain, and keeps the domain's NICs in step with what the stand-in's virt-handler
 * duty puts into the domain. Every other VMI keeps a domain without a guest: TCG boots cost a minute each.
 *
 * Per VMI (the launcher pod's duties, each with the upstream file it stands in for):
 * - the NoCloud seed from the VMI's cloudInitNoCloud volume: user data and network data from the Secrets it names
 *   (keys `userdata`/`userData`, `networkdata`/`networkData`) or inline, meta-data with the firmware UUID as
 *   instance-id (kubevirt pkg/cloud-init/cloud-init.go; seed.ts);
 * - a network namespace standing for the pod's; the pod network (masquerade) as QEMU's user network, 10.0.2.2/24 via
 *   10.0.2.1 (pkg/network/dhcp/masquerade.go);
 * - for a bridge-bound Multus interface: the NAD's real CNI plugin ADD into the pod namespace, run in the node's
 *   namespace (Multus's delegate call, multus-cni pkg/multus/multus.go), then KubeVirt's bridge binding: the pod
 *   interface loses its address and joins bridge `k6t-<x>` with the VM's tap, and when IPAM gave it an IPv4 address,
 *   a DHCP server answers the VM's MAC with exactly that address, router = next hop of the pod interface's first route,
 *   the other non-local routes as classless routes, its MTU, and the pod's DNS (pkg/network/setup/netpod/netpod.go,
 *   discoverbridge.go; pkg/network/dhcp; dhcp.ts). Without an IPv4 address no server runs (`IPAMDisabled`);
 * - interfaces attached and detached with QMP device_add/device_del as the domain changes
 *   (pkg/virt-launcher/virtwrap/network/nichotplug.go), the CNI DEL after a detach, and their link set up or down with
 *   QMP set_link as the VMI spec's `state` says (nichotplug.go, updateDomainLinkState);
 * - the guest agent's interfaces, for virt-handler's status (pkg/network/setup/netstat.go, ifacesStatusFromGuestAgent).
 * Loaded by `node --experimental-strip-types` only: the guest driver comes in as `GuestDriver`, so this file imports
 * nothing of its folder.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DhcpHandle, DhcpOptions, Route } from './dhcp';
import type { Guest, GuestInterface, GuestOptions, NicSpec } from './machine';
import type { SeedData } from './seed';

type Json = any;

/** The label that asks for a real guest, and which image. */
export const GUEST_LABEL = 'wukong.test/guest';

export interface GuestDriver {
  readonly startGuest: (o: GuestOptions) => Promise<Guest>;
  readonly startDhcp: (o: DhcpOptions) => Promise<DhcpHandle>;
  readonly ensureNetns: (netns: string) => Promise<void>;
  readonly releaseNetns: (netns: string) => Promise<void>;
  readonly buildSeedIso: (dir: string, seed: SeedData) => Promise<string>;
  readonly noCloudMetaData: (instanceId: string, hostname?: string) => string;
}

export interface LauncherOptions {
  /** testbed/guest/build.sh's folder. */
  readonly imagesDir: string;
  /** The CNI plugins (testbed cni/). */
  readonly cniPath: string;
  /** The node's network namespace, where CNI plugins run and the networks' bridges live. */
  readonly nodeNetns: string;
  /** Where each VM gets its folder. */
  readonly workDir: string;
  /** What the VMI's reads need: Secrets and NADs. */
  readonly read: (kind: 'secret' | 'nad', namespace: string, name: string) => Promise<Json>;
  readonly say: (line: string) => void;
}

/** One attached interface: its QEMU NIC and the pod-side plumbing that goes with it. */
interface Attached {
  readonly name: string;
  readonly mac: string;
  readonly cni?: { readonly config: Json; readonly ifname: string };
  readonly links: string[];
  readonly dhcp?: DhcpHandle;
  /** The domain interface's link, as QEMU has it. */
  linkUp: boolean;
}

interface Vm {
  readonly uid: string;
  readonly key: string;
  readonly netns: string;
  readonly dir: string;
  guest?: Guest;
  failed?: string;
  readonly attached: Map<string, Attached>;
  /** Serializes boot, hot-plug and unplug of one VM. */
  queue: Promise<void>;
  agent: GuestInterface[];
  stopping: boolean;
}

const run = (argv: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) => new Promise<string>((resolve, reject) => {
  const child = execFile(argv[0], argv.slice(1), { env: opts.env ?? process.env, timeout: 30_000 }, (err, stdout, stderr) => {
    if (err) reject(new Error(`${argv.join(' ')} failed: ${stdout.trim() || stderr.trim() || err.message}`));
    else resolve(stdout);
  });
  if (opts.input !== undefined) child.stdin!.end(opts.input);
});

/** A short hash, as KubeVirt names pod-side links: they stay within 15 characters (pkg/network/namescheme). */
function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 7);
}

export class GuestLauncher {
  private readonly vms = new Map<string, Vm>();
  private readonly driver: GuestDriver;
  private readonly o: LauncherOptions;

  public constructor(driver: GuestDriver, o: LauncherOptions) {
    this.driver = driver;
    this.o = o;
  }

  public async start(): Promise<void> {
    await this.driver.ensureNetns(this.o.nodeNetns);
    await run(['ip', '-n', this.o.nodeNetns, 'link', 'set', 'lo', 'up']);
  }

  /** The guest agent's view of the VMI's NICs, once it answers; undefined for VMIs without a guest. */
  public agentInterfaces(uid: string): GuestInterface[] | undefined {
    return this.vms.get(uid)?.agent;
  }

  public has(uid: string): boolean {
    return this.vms.has(uid);
  }

  /**
   * Brings the VM for `vmi` in step with `domain` (the interfaces virt-handler put into the domain). Returns at once;
   * booting and plugging run in the background, one step at a time per VM.
   */
  public sync(vmi: Json, image: string, domain: Json[]): void {
    const uid = vmi.metadata.uid;
    let vm = this.vms.get(uid);
    if (!vm) {
      const dir = join(this.o.workDir, shortHash(uid));
      vm = { uid, key: `${vmi.metadata.namespace}/${vmi.metadata.name}`, netns: `wkp-${shortHash(uid)}`, dir, attached: new Map(), queue: Promise.resolve(), agent: [], stopping: false };
      this.vms.set(uid, vm);
      const v = vm;
      this.enqueue(v, () => this.boot(v, vmi, image, domain));
      return;
    }
    if (!vm.guest || vm.failed || vm.stopping) return;
    const want = new Set(domain.map(i => i.name));
    for (const i of domain) if (!vm.attached.has(i.name)) this.enqueue(vm, () => this.plug(vm!, vmi, i));
    for (const i of domain) {
      const a = vm.attached.get(i.name);
      if (a && a.linkUp !== (i.state !== 'down')) this.enqueue(vm, () => this.setLink(vm!, i));
    }
    for (const name of vm.attached.keys()) if (!want.has(name)) this.enqueue(vm, () => this.unplug(vm!, name));
  }

  /** Stops the VMs whose VMI is gone or left this node. */
  public retain(uids: Set<string>): void {
    for (const vm of this.vms.values()) {
      if (uids.has(vm.uid) || vm.stopping) continue;
      vm.stopping = true;
      this.enqueue(vm, async () => {
        await this.teardown(vm);
        this.vms.delete(vm.uid);
      });
    }
  }

  public async stopAll(): Promise<void> {
    await Promise.all([...this.vms.values()].map(vm => this.teardown(vm)));
    await this.driver.releaseNetns(this.o.nodeNetns).catch(() => undefined);
  }

  private enqueue(vm: Vm, step: () => Promise<void>): void {
    vm.queue = vm.queue.then(step).catch(e => {
      vm.failed = String((e as Error).message ?? e);
      // Not a duty carried out: node-stand-in.test.ts finds it in the log.
      process.stderr.write(`${new Date().toISOString()} virt-launcher failed for VMI ${vm.key}: ${vm.failed}\n`);
    });
  }

  private async boot(vm: Vm, vmi: Json, image: string, domain: Json[]): Promise<void> {
    rmSync(vm.dir, { recursive: true, force: true });
    mkdirSync(vm.dir, { recursive: true });
    // The test bed deletes what is listed here even when this process was killed before it could (test-cluster.ts).
    appendFileSync(join(this.o.workDir, 'netns.list'), `${vm.netns}\n`);
    await this.driver.ensureNetns(vm.netns);
    const seed = await this.seed(vmi);
    const iso = await this.driver.buildSeedIso(vm.dir, seed);
    const nics: NicSpec[] = [];
    for (const iface of domain) nics.push(await this.plumb(vm, vmi, iface));
    const t0 = Date.now();
    vm.guest = await this.driver.startGuest({
      image: image as 'netplan' | 'nm',
      imagesDir: this.o.imagesDir,
      dir: vm.dir,
      seedIso: iso,
      uuid: vmi.spec.domain.firmware.uuid,
      name: vm.key.replace('/', '.'),
      netns: vm.netns,
      nics,
      rootPorts: 4,
    });
    // Where a test finds the guest (its agent socket) for looking inside, as `virtctl ssh` would.
    writeFileSync(join(this.o.workDir, `${vm.key.replace('/', '.')}.dir`), vm.dir);
    this.o.say(`virt-launcher: VMI ${vm.key} domain started (${image} guest, NICs ${nics.map(n => `${n.id}=${n.mac}`).join(' ')})`);
    for (const iface of domain) if (iface.state === 'down') await this.setLink(vm, iface);
    void this.pollAgent(vm, t0);
  }

  /** KubeVirt's NoCloud data for the VMI (pkg/cloud-init/cloud-init.go, ReadCloudInitVolumeDataSource). */
  private async seed(vmi: Json): Promise<SeedData> {
    const volume = (vmi.spec.volumes ?? []).find((v: Json) => v.cloudInitNoCloud)?.cloudInitNoCloud ?? {};
    const ns = vmi.metadata.namespace;
    const key = async (ref: Json, keys: string[]) => {
      const data = (await this.o.read('secret', ns, ref.name)).data ?? {};
      const k = keys.find(x => data[x] !== undefined);
      return k ? Buffer.from(data[k], 'base64').toString('utf8') : undefined;
    };
    const userData = volume.secretRef ? await key(volume.secretRef, ['userdata', 'userData'])
      : volume.userDataBase64 ? Buffer.from(volume.userDataBase64, 'base64').toString('utf8') : volume.userData;
    const networkData = volume.networkDataSecretRef ? await key(volume.networkDataSecretRef, ['networkdata', 'networkData'])
      : volume.networkDataBase64 ? Buffer.from(volume.networkDataBase64, 'base64').toString('utf8') : volume.networkData;
    return {
      userData: userData ?? '',
      metaData: this.driver.noCloudMetaData(vmi.spec.domain.firmware.uuid, vmi.spec.hostname ?? vmi.metadata.name),
      networkConfig: networkData,
    };
  }

  /** The pod side of one interface, and the QEMU NIC on it. */
  private async plumb(vm: Vm, vmi: Json, iface: Json): Promise<NicSpec> {
    const network = (vmi.spec.networks ?? []).find((n: Json) => n.name === iface.name) ?? {};
    const mac = String(iface.macAddress ?? '').toLowerCase();
    if (network.pod) {
      vm.attached.set(iface.name, { name: iface.name, mac, links: [], linkUp: true });
      return { id: iface.name, mac, backend: { type: 'user', net: '10.0.2.0/24', host: '10.0.2.1', dhcpstart: '10.0.2.2' } };
    }
    const [nadNs, nadName] = String(network.multus?.networkName ?? '').includes('/') ? network.multus.networkName.split('/') : [vmi.metadata.namespace, network.multus?.networkName];
    const config = JSON.parse((await this.o.read('nad', nadNs, nadName)).spec.config);
    const x = shortHash(`${vm.uid}/${iface.name}`);
    const ifname = `pod${x}`;
    const [bridge, tap] = [`k6t-${x}`, `tap${x}`];
    const index = (vmi.spec.domain.devices.interfaces ?? []).findIndex((i: Json) => i.name === iface.name);
    const env = { ...process.env, CNI_COMMAND: 'ADD', CNI_CONTAINERID: vm.uid, CNI_NETNS: `/var/run/netns/${vm.netns}`, CNI_IFNAME: ifname, CNI_PATH: this.o.cniPath };
    const result = JSON.parse(await run(['ip', 'netns', 'exec', this.o.nodeNetns, join(this.o.cniPath, config.type)], { input: JSON.stringify(config), env }));
    const ip = (...a: string[]) => run(['ip', '-n', vm.netns, ...a]);
    const v4 = (result.ips ?? []).find((i: Json) => !String(i.address).includes(':'))?.address as string | undefined;
    // The pod interface's routes in the kernel's order, as KubeVirt reads them before taking the address away.
    const routes: Json[] = JSON.parse(await ip('-j', '-4', 'route', 'show', 'dev', ifname));
    const mtu: number = JSON.parse(await ip('-j', 'link', 'show', 'dev', ifname))[0].mtu;
    await ip('addr', 'flush', 'dev', ifname);
    let dhcp: DhcpHandle | undefined;
    if (v4) {
      const local = routes.filter(r => r.dst !== 'default' && !r.gateway).map(r => r.dst);
      const other: Route[] = routes.filter(r => r.gateway && !local.includes(r.dst)).map(r => ({ dst: r.dst === 'default' ? '0.0.0.0/0' : r.dst, gw: r.gateway }));
      dhcp = await this.driver.startDhcp({
        netns: vm.netns,
        bridge,
        tap,
        mac,
        ip: v4,
        gateway: routes[0]?.gateway,
        routes: other,
        mtu,
        index: Math.max(0, index),
        dns: ['10.96.0.10'],
        search: [`${vmi.metadata.namespace}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'],
        hostname: vmi.metadata.name,
        dir: vm.dir,
      });
    } else {
      await ip('link', 'add', bridge, 'type', 'bridge');
      await ip('tuntap', 'add', 'dev', tap, 'mode', 'tap');
      await ip('link', 'set', tap, 'mtu', String(mtu));
      await ip('link', 'set', tap, 'master', bridge);
      await ip('link', 'set', tap, 'up');
      await ip('link', 'set', bridge, 'up');
    }
    await ip('link', 'set', ifname, 'master', bridge);
    await ip('link', 'set', ifname, 'up');
    vm.attached.set(iface.name, { name: iface.name, mac, cni: { config, ifname }, links: dhcp ? [] : [tap, bridge], dhcp, linkUp: true });
    this.o.say(`multus: ${config.type} ${nadNs}/${nadName} added to VMI ${vm.key} as ${ifname}${v4 ? `, IPAM ${v4}` : ''}`);
    return { id: iface.name, mac, backend: { type: 'tap', ifname: tap } };
  }

  private async plug(vm: Vm, vmi: Json, iface: Json): Promise<void> {
    if (vm.attached.has(iface.name) || !vm.guest) return;
    const nic = await this.plumb(vm, vmi, iface);
    await vm.guest.hotplug(nic);
    this.o.say(`virt-launcher: VMI ${vm.key} interface ${iface.name} attached`);
    if (iface.state === 'down') await this.setLink(vm, iface);
  }

  /**
   * The interface's link follows the VMI spec's `state: up|down`, as virt-launcher sets the domain interface's
   * `<link state>` (pkg/virt-launcher/virtwrap/network/nichotplug.go, updateDomainLinkState); libvirt does that with
   * QMP set_link.
   */
  private async setLink(vm: Vm, iface: Json): Promise<void> {
    const a = vm.attached.get(iface.name);
    if (!a || !vm.guest) return;
    const up = iface.state !== 'down';
    await vm.guest.qmp('set_link', { name: `ua-${iface.name}`, up });
    a.linkUp = up;
    this.o.say(`virt-launcher: VMI ${vm.key} interface ${iface.name} link ${up ? 'up' : 'down'}`);
  }

  private async unplug(vm: Vm, name: string): Promise<void> {
    const a = vm.attached.get(name);
    if (!a || !vm.guest) return;
    await vm.guest.unplug(name);
    await this.unplumb(vm, a);
    this.o.say(`virt-launcher: VMI ${vm.key} interface ${name} detached`);
  }

  private async unplumb(vm: Vm, a: Attached): Promise<void> {
    vm.attached.delete(a.name);
    await a.dhcp?.stop();
    for (const l of a.links) await run(['ip', '-n', vm.netns, 'link', 'del', l]).catch(() => undefined);
    if (a.cni) {
      const env = { ...process.env, CNI_COMMAND: 'DEL', CNI_CONTAINERID: vm.uid, CNI_NETNS: `/var/run/netns/${vm.netns}`, CNI_IFNAME: a.cni.ifname, CNI_PATH: this.o.cniPath };
      await run(['ip', 'netns', 'exec', this.o.nodeNetns, join(this.o.cniPath, a.cni.config.type)], { input: JSON.stringify(a.cni.config), env });
    }
  }

  private async teardown(vm: Vm): Promise<void> {
    vm.stopping = true;
    await vm.guest?.stop().catch(() => undefined);
    for (const a of [...vm.attached.values()]) {
      await this.unplumb(vm, a).catch(e => process.stderr.write(`${new Date().toISOString()} virt-launcher cleanup failed for VMI ${vm.key}: ${(e as Error).message}\n`));
    }
    await this.driver.releaseNetns(vm.netns).catch(() => undefined);
    this.o.say(`virt-launcher: VMI ${vm.key} domain stopped`);
  }

  /** Reads the guest agent every 2 s, as virt-launcher's agent poller does (pkg/virt-launcher/virtwrap/agent-poller). */
  private async pollAgent(vm: Vm, t0: number): Promise<void> {
    let answered = false;
    while (!vm.stopping && vm.guest && !vm.guest.exited()) {
      try {
        vm.agent = await vm.guest.interfaces();
        if (!answered) this.o.say(`virt-launcher: VMI ${vm.key} guest agent answers after ${Math.round((Date.now() - t0) / 1000)} s`);
        answered = true;
      } catch {
        // The agent starts late in the boot and is busy during reboots: asked again next round.
      }
      await new Promise(r => setTimeout(r, 2000));
    }
  }
}
