/**
 * A real Debian guest (testbed/guest/build.sh) booted under QEMU/TCG the way KubeVirt's virt-launcher has libvirt
 * boot a VMI, reduced to what cloud-init network data and NIC hot-plug depend on:
 *   - q35, every PCIe device on its own pcie-root-port, plus empty root ports for hot-plug (root ports cannot be
 *     hot-plugged themselves: QEMU docs/pcie.txt §5 "Leave enough PCI Express Root Ports empty");
 *   - the SMBIOS system UUID is the VMI's firmware UUID, manufacturer/family KubeVirt, product None
 *     (kubevirt pkg/virt-launcher/virtwrap/converter/compute/sysinfo.go; defaults in pkg/virt-config/virt-config.go);
 *   - the NoCloud seed (seed.ts) as a virtio disk, the guest agent on virtio-serial port org.qemu.guest_agent.0;
 *   - virtio-net NICs with their option ROM off (KubeVirt disables it for interfaces without a boot order:
 *     pkg/virt-launcher/virtwrap/converter/network/configurator.go), named as libvirt names them: device `ua-<name>`
 *     for KubeVirt's user alias (pkg/virt-launcher/virtwrap/api/schema.go `UserAliasPrefix`), netdev `hostua-<name>`;
 *   - hot-plug and unplug as libvirt's AttachDeviceFlags/DetachDeviceFlags do them over QMP: netdev_add + device_add
 *     on a free root port; device_del, the DEVICE_DELETED event, netdev_del.
 * The pod network (masquerade binding) is QEMU's user-mode network with `restrict=on` (no way out of the guest), its
 * addresses KubeVirt's: guest 10.0.2.2/24, gateway 10.0.2.1 (vmNetworkCIDR's default 10.0.2.0/24,
 * pkg/network/link/address.go `GenerateMasqueradeGatewayAndVmIPAddrs`). One difference: restricted, slirp's DHCP
 * sends neither router nor DNS server (libslirp src/bootp.c), so the guest has no default route through that NIC where
 * KubeVirt's masquerade DHCP would give it one. A bridge-bound NIC is a tap in the VM's network namespace, served by
 * the DHCP stand-in (dhcp.ts).
 *
 * Every VM writes only to its own folder: a qcow2 overlay over the cached image (opened read-only as backing file),
 * the console log, QEMU's log, the QMP and agent sockets. Needs qemu-system-x86_64 and qemu-img on PATH, and root for
 * a network namespace. Loaded by ts-jest (commonjs) and by `node --experimental-strip-types` (ESM): Node's stdlib
 * only, erasable TypeScript only, no `__dirname`/`import.meta`, and no import of another file of this folder.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';

export type ImageName = 'netplan' | 'nm';

/** QEMU's user-mode network (slirp), standing in for the pod network of a masquerade-bound interface. */
export interface UserBackend {
  readonly type: 'user';
  /** The guest's subnet, e.g. `10.0.2.0/24`. */
  readonly net: string;
  /** The gateway the guest sees, e.g. `10.0.2.1`. */
  readonly host: string;
  /** The first (and, with one guest NIC, only) address slirp's DHCP hands out, e.g. `10.0.2.2`. */
  readonly dhcpstart: string;
}

/** A tap that already exists in the VM's network namespace (dhcp.ts makes one per bridge-bound NIC). */
export interface TapBackend {
  readonly type: 'tap';
  readonly ifname: string;
}

export type Backend = UserBackend | TapBackend;

export interface NicSpec {
  /** The KubeVirt interface name; QEMU ids `ua-<id>` (device) and `hostua-<id>` (netdev). */
  readonly id: string;
  readonly mac: string;
  readonly backend: Backend;
}

export interface GuestOptions {
  readonly image: ImageName;
  /** The folder testbed/guest/build.sh prints: `<image>.img`, `vmlinuz`, `initrd.img`. */
  readonly imagesDir: string;
  /** This VM's own folder (created when missing): overlay, sockets, logs. Keep the path short: sockets live here. */
  readonly dir: string;
  /** The NoCloud ISO (seed.ts `buildSeedIso`). */
  readonly seedIso: string;
  /** The VMI's firmware UUID (seed.ts `firmwareUuid`): the guest's SMBIOS system UUID. */
  readonly uuid: string;
  /** Names the QEMU process (`-name`), for whoever reads `ps`. Default: the folder's last component. */
  readonly name?: string;
  /** Default 1024. */
  readonly memoryMiB?: number;
  /** Default 1: KubeVirt's default of one vCPU, and each vCPU costs a host core under TCG. */
  readonly cpus?: number;
  /** Empty root ports kept for hot-plug. Default 4. */
  readonly rootPorts?: number;
  /** Run QEMU in this network namespace (the launcher pod's), where the taps of `nics` live. */
  readonly netns?: string;
  readonly nics: readonly NicSpec[];
}

export interface ExecResult {
  readonly exitcode: number;
  readonly signal?: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface GuestIpAddress {
  readonly 'ip-address-type': 'ipv4' | 'ipv6';
  readonly 'ip-address': string;
  readonly 'prefix': number;
}

/** One entry of guest-network-get-interfaces (QEMU docs/interop qemu-ga-ref, GuestNetworkInterface). */
export interface GuestInterface {
  readonly 'name': string;
  readonly 'hardware-address'?: string;
  readonly 'ip-addresses'?: readonly GuestIpAddress[];
}

export interface QmpEvent {
  readonly event: string;
  readonly data?: any;
  readonly timestamp?: { seconds: number; microseconds: number };
}

export interface Ready {
  /** Milliseconds from QEMU's start (or the reboot request) to cloud-init's result.json. */
  readonly ms: number;
  /** `v1.datasource` of /run/cloud-init/result.json. */
  readonly datasource: string;
  /** `v1.errors` of /run/cloud-init/result.json: empty when every stage succeeded. */
  readonly errors: readonly string[];
  /** After `reboot`: milliseconds from the request to QEMU's RESET event (the guest's shutdown). */
  readonly resetMs?: number;
}

/** The IPv4 addresses (`a.b.c.d/nn`) the guest agent reports on the NIC with this MAC, or undefined if no such NIC. */
export function ipv4Of(interfaces: readonly GuestInterface[], mac: string): string[] | undefined {
  const nic = interfaces.find(i => i['hardware-address']?.toLowerCase() === mac.toLowerCase());
  return nic?.['ip-addresses']?.filter(a => a['ip-address-type'] === 'ipv4').map(a => `${a['ip-address']}/${a.prefix}`) ?? (nic ? [] : undefined);
}

/**
 * The kernel command line. Root is the bare ext4 image on the first virtio disk (no partition table, no boot loader:
 * QEMU loads the kernel itself). The rest buys boot time under TCG, measured on 2 cores:
 *   - `quiet systemd.show_status=0`: every console byte is an emulated UART write;
 *   - `clocksource=tsc tsc=reliable`: the kernel otherwise marks the emulated TSC unstable and falls back to HPET,
 *     whose every read (every clock_gettime) is an MMIO exit into QEMU;
 *   - `mitigations=off`: speculation barriers are pure cost where nothing speculates.
 * With the units build.sh masks, the first boot (to cloud-init done, 1 vCPU) went from about 55 s to about 38 s.
 */
export const KERNEL_APPEND = 'root=/dev/vda rw console=ttyS0 quiet systemd.show_status=0 clocksource=tsc tsc=reliable mitigations=off';

/** Every QEMU still running, killed on exit even when a test fails before `stop()`. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
/** A deadline to race against: unref'd, so a lost race does not hold the process (or jest) open. */
const grace = (ms: number) => new Promise(r => setTimeout(r, ms).unref());

function run(file: string, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return `(no ${file})`;
  return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
}

function netdevArgs(id: string, b: Backend): Record<string, unknown> {
  return b.type === 'user'
    ? { type: 'user', id, net: b.net, host: b.host, dhcpstart: b.dhcpstart, restrict: true }
    : { type: 'tap', id, ifname: b.ifname, script: 'no', downscript: 'no' };
}

function netdevCli(id: string, b: Backend): string {
  return b.type === 'user'
    ? `user,id=${id},net=${b.net},host=${b.host},dhcpstart=${b.dhcpstart},restrict=on`
    : `tap,id=${id},ifname=${b.ifname},script=no,downscript=no`;
}

/** QMP over the monitor socket: newline-delimited JSON, commands matched to replies by `id`, events kept in order. */
class Qmp {
  public readonly events: QmpEvent[] = [];
  private readonly sock: Socket;
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<string, { execute: string; resolve: (v: any) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<() => void>();
  private closed: Error | undefined;

  public constructor(sock: Socket) {
    this.sock = sock;
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => this.onData(chunk));
    const fail = (why: string) => {
      this.closed = new Error(`QMP connection ${why} (did QEMU exit?)`);
      for (const p of this.pending.values()) p.reject(new Error(`QMP ${p.execute}: ${this.closed.message}`));
      this.pending.clear();
      for (const l of this.listeners) l();
    };
    sock.on('close', () => fail('closed'));
    sock.on('error', e => fail(`failed: ${e.message}`));
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line);
      if (msg.event) {
        this.events.push(msg);
        for (const l of this.listeners) l();
      } else if (msg.id !== undefined && this.pending.has(msg.id)) {
        const p = this.pending.get(msg.id)!;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new Error(`QMP ${p.execute} failed: ${msg.error.class}: ${msg.error.desc}`));
        else p.resolve(msg.return);
      }
    }
  }

  public execute(execute: string, args?: Record<string, unknown>): Promise<any> {
    if (this.closed) return Promise.reject(new Error(`QMP ${execute}: ${this.closed.message}`));
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { execute, resolve, reject });
      this.sock.write(`${JSON.stringify(args ? { execute, arguments: args, id } : { execute, id })}\n`);
    });
  }

  /** The first event from index `since` on that matches; rejects after `timeoutMs` saying what it waited for. */
  public waitEvent(match: (e: QmpEvent) => boolean, since: number, timeoutMs: number, what: string): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const e = this.events.slice(since).find(match);
        if (e) done(() => resolve(e));
        else if (this.closed) done(() => reject(new Error(`waiting for ${what}: ${this.closed!.message}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${what} within ${timeoutMs / 1000} s; QMP events since: ${JSON.stringify(this.events.slice(since).map(e => e.event))}`))), timeoutMs);
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        f();
      };
      this.listeners.add(check);
      check();
    });
  }

  public close(): void {
    this.sock.destroy();
  }
}

function connectUnix(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', reject);
  });
}

/**
 * One request to the guest agent on a fresh connection: the agent's channel is a byte stream that a timed-out
 * request (or a guest that rebooted mid-reply) leaves dirty. So, per qemu-ga-ref `guest-sync-delimited`: send 0xFF
 * (resets the agent's JSON parser), ask for a sync with a fresh id, skip everything up to the 0xFF sentinel of the
 * reply and every reply that is not this id; only then send the request. Without `reply`, returns once it is sent
 * (guest-shutdown answers nothing on success).
 */
async function agentOnce(path: string, execute: string, args: Record<string, unknown> | undefined, timeoutMs: number, reply: boolean): Promise<any> {
  const sock = await connectUnix(path);
  const syncId = Math.floor(Math.random() * 2 ** 31);
  let buf = Buffer.alloc(0);
  let synced = false;
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`guest agent: no answer to ${synced ? execute : 'guest-sync-delimited'} within ${timeoutMs / 1000} s`)), timeoutMs);
      const finish = (f: () => void) => {
        clearTimeout(timer);
        f();
      };
      sock.on('error', e => finish(() => reject(new Error(`guest agent socket: ${e.message}`))));
      sock.on('close', () => finish(() => reject(new Error(`guest agent socket closed during ${execute}`))));
      const drain = () => {
        while (!synced) {
          const ff = buf.lastIndexOf(0xff);
          if (ff < 0) return;
          const rest = buf.subarray(ff + 1);
          const nl = rest.indexOf(0x0a);
          if (nl < 0) return;
          let msg: any;
          try {
            msg = JSON.parse(rest.subarray(0, nl).toString('utf8'));
          } catch {
            msg = undefined;
          }
          // Drop the sentinel and the line: a stale sync reply (or garbage) is never looked at again.
          buf = rest.subarray(nl + 1);
          if (msg?.return !== syncId) continue;
          synced = true;
          sock.write(`${JSON.stringify(args ? { execute, arguments: args } : { execute })}\n`);
          if (!reply) finish(() => resolve(undefined));
        }
        let nl: number;
        while ((nl = buf.indexOf(0x0a)) >= 0) {
          const line = buf.subarray(0, nl).toString('utf8').trim();
          buf = buf.subarray(nl + 1);
          if (!line) continue;
          const msg = JSON.parse(line);
          if (msg.error) finish(() => reject(new Error(`guest agent ${execute} failed: ${msg.error.class}: ${msg.error.desc}`)));
          else finish(() => resolve(msg.return));
          return;
        }
      };
      sock.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        drain();
      });
      sock.write(Buffer.concat([Buffer.from([0xff]), Buffer.from(`${JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id: syncId } })}\n`)]));
    });
  } finally {
    sock.destroy();
  }
}

type AgentCall = (execute: string, args?: Record<string, unknown>) => Promise<any>;

/** guest-exec, then guest-exec-status until the process exits (qemu-ga-ref: output comes base64-encoded). */
async function execVia(call: AgentCall, argv: readonly string[], opts: { timeoutMs?: number; input?: string }): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const args: Record<string, unknown> = { 'path': argv[0], 'arg': argv.slice(1), 'capture-output': true };
  if (opts.input !== undefined) args['input-data'] = Buffer.from(opts.input).toString('base64');
  const { pid } = await call('guest-exec', args);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await call('guest-exec-status', { pid });
    if (st.exited) {
      const decode = (b?: string) => (b ? Buffer.from(b, 'base64').toString('utf8') : '');
      return { exitcode: st.exitcode ?? -1, signal: st.signal, stdout: decode(st['out-data']), stderr: decode(st['err-data']) };
    }
    if (Date.now() > deadline) throw new Error(`guest-exec ${argv.join(' ')}: still running after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/**
 * A guest-agent command for the VM whose folder is `dir` (a `startGuest` folder), from any process: the node
 * stand-in owns the Guest, a test only knows the folder. The agent's channel takes one client at a time; a second
 * connection waits until the first closes, and every call here is one short connection.
 */
export function agentCommand(dir: string, execute: string, args?: Record<string, unknown>, timeoutMs = 15_000): Promise<any> {
  return agentOnce(join(dir, 'qga.sock'), execute, args, timeoutMs, true);
}

/** `Guest.exec` for the VM whose folder is `dir`, from any process. */
export function agentExec(dir: string, argv: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
  return execVia((execute, args) => agentCommand(dir, execute, args), argv, opts);
}

export class Guest {
  public readonly dir: string;
  public readonly name: string;
  public readonly consoleLog: string;
  public readonly qemuLog: string;
  /** Date.now() when QEMU was started. */
  public readonly startedAt: number;
  private readonly qmpc: Qmp;
  private readonly child: ChildProcess;
  private readonly overlay: string;
  private readonly agentSock: string;
  private readonly freePorts: string[];
  private readonly plugged = new Map<string, string>();
  private agentQueue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  public constructor(init: { dir: string; name: string; child: ChildProcess; qmp: Qmp; overlay: string; freePorts: string[]; startedAt: number }) {
    this.dir = init.dir;
    this.name = init.name;
    this.child = init.child;
    this.qmpc = init.qmp;
    this.overlay = init.overlay;
    this.freePorts = init.freePorts;
    this.startedAt = init.startedAt;
    this.consoleLog = join(init.dir, 'console.log');
    this.qemuLog = join(init.dir, 'qemu.log');
    this.agentSock = join(init.dir, 'qga.sock');
  }

  public get pid(): number | undefined {
    return this.child.pid;
  }

  /** Why QEMU is gone, or undefined while it runs. */
  public exited(): string | undefined {
    if (this.child.exitCode === null && this.child.signalCode === null) return undefined;
    return `QEMU exited (${this.child.exitCode ?? this.child.signalCode}); ${this.qemuLog}:\n${tail(this.qemuLog, 20)}`;
  }

  /** The last `lines` lines of the serial console. */
  public consoleTail(lines = 40): string {
    return tail(this.consoleLog, lines);
  }

  /** Every QMP event so far (RESET, DEVICE_DELETED, …), oldest first. */
  public events(): QmpEvent[] {
    return [...this.qmpc.events];
  }

  public qmp(execute: string, args?: Record<string, unknown>): Promise<any> {
    return this.qmpc.execute(execute, args);
  }

  /** A guest-agent command (after a guest-sync-delimited), one at a time: the agent's channel has room for one client. */
  public agent(execute: string, args?: Record<string, unknown>, timeoutMs = 15_000): Promise<any> {
    return this.agentQueued(execute, args, timeoutMs, true);
  }

  private agentQueued(execute: string, args: Record<string, unknown> | undefined, timeoutMs: number, reply: boolean): Promise<any> {
    const next = this.agentQueue.then(() => agentOnce(this.agentSock, execute, args, timeoutMs, reply));
    this.agentQueue = next.catch(() => undefined);
    return next;
  }

  /** Runs argv[0] (looked up on the agent's PATH) in the guest via guest-exec; waits for it via guest-exec-status. */
  public exec(argv: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
    return execVia((execute, args) => this.agent(execute, args), argv, opts);
  }

  /** As `exec`, but rejects unless the command exits 0; resolves to its stdout. */
  public async sh(argv: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<string> {
    const r = await this.exec(argv, opts);
    if (r.exitcode !== 0) throw new Error(`guest ${this.name}: ${argv.join(' ')} exited ${r.exitcode}${r.signal ? ` (signal ${r.signal})` : ''}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  /**
   * Waits until the guest agent answers and cloud-init has finished every stage (/run/cloud-init/result.json, which
   * cloud-init writes at the end of modules:final and which /run's tmpfs forgets at each boot). Rejects at once when
   * QEMU exits, and on timeout with what was reached and the console's last lines.
   */
  public async waitReady(timeoutMs = 300_000, since = this.startedAt): Promise<Ready> {
    const deadline = Date.now() + timeoutMs;
    let agentUp = false;
    let last = '';
    for (;;) {
      const gone = this.exited();
      if (gone) throw new Error(`guest ${this.name} not ready: ${gone}\nconsole (${this.consoleLog}):\n${this.consoleTail()}`);
      try {
        await this.agentQueued('guest-ping', undefined, 3000, true);
        agentUp = true;
        const r = await this.exec(['cat', '/run/cloud-init/result.json'], { timeoutMs: 15_000 });
        if (r.exitcode === 0) {
          const v1 = JSON.parse(r.stdout).v1 ?? {};
          return { ms: Date.now() - since, datasource: String(v1.datasource), errors: v1.errors ?? [] };
        }
        last = 'the guest agent answers, cloud-init has not finished (no /run/cloud-init/result.json)';
      } catch (e) {
        last = agentUp ? `the guest agent answered before, now: ${(e as Error).message}` : `the guest agent never answered (${(e as Error).message})`;
      }
      if (Date.now() > deadline) {
        throw new Error(`guest ${this.name} not ready after ${Math.round(timeoutMs / 1000)} s: ${last}\nconsole (last 40 lines of ${this.consoleLog}):\n${this.consoleTail(40)}`);
      }
      await sleep(1000);
    }
  }

  public async interfaces(): Promise<GuestInterface[]> {
    return this.agent('guest-network-get-interfaces');
  }

  /** NIC hot-plug as libvirt does it for KubeVirt: netdev_add, then device_add on a free root port. */
  public async hotplug(nic: NicSpec): Promise<void> {
    if (this.plugged.has(nic.id)) throw new Error(`hotplug ${nic.id}: a NIC with that id is plugged already`);
    const port = this.freePorts.shift();
    if (!port) throw new Error(`hotplug ${nic.id}: no free root port left (start the guest with more rootPorts)`);
    try {
      await this.qmp('netdev_add', netdevArgs(`hostua-${nic.id}`, nic.backend));
      try {
        await this.qmp('device_add', { driver: 'virtio-net-pci', id: `ua-${nic.id}`, netdev: `hostua-${nic.id}`, mac: nic.mac, bus: port, romfile: '' });
      } catch (e) {
        await this.qmp('netdev_del', { id: `hostua-${nic.id}` }).catch(() => undefined);
        throw e;
      }
    } catch (e) {
      this.freePorts.unshift(port);
      throw new Error(`hotplug ${nic.id} (${nic.mac}) on ${port}: ${(e as Error).message}`);
    }
    this.plugged.set(nic.id, port);
  }

  /**
   * Unplugs a NIC: device_del only asks the guest (an ACPI eject on q35's root ports), so wait for QEMU's
   * DEVICE_DELETED before netdev_del, as libvirt does (qemu-qmp-ref `device_del`). Any NIC can go, also one the VM
   * started with (`NicSpec.id`).
   */
  public async unplug(id: string, timeoutMs = 60_000): Promise<void> {
    const device = `ua-${id}`;
    const mark = this.qmpc.events.length;
    await this.qmp('device_del', { id: device });
    await this.qmpc.waitEvent(e => e.event === 'DEVICE_DELETED' && e.data?.device === device, mark, timeoutMs, `DEVICE_DELETED for ${device}`);
    await this.qmp('netdev_del', { id: `hostua-${id}` });
    const port = this.plugged.get(id);
    this.plugged.delete(id);
    if (port) this.freePorts.push(port);
  }

  /**
   * Reboots the guest inside the same QEMU, with its current devices, as `virtctl soft-reboot` does: the guest agent's
   * guest-shutdown mode=reboot, the guest shuts down cleanly and QEMU resets it (`hard`: QMP system_reset, a reset
   * button with no shutdown). Either way the guest boots again from its disk and the same seed ISO; cloud-init sees
   * the same instance-id, so it does not render network config again (a NoCloud default: only BOOT_NEW_INSTANCE),
   * and what it rendered at first boot is what configures the NICs. Waits for QEMU's RESET event, then `waitReady`.
   */
  public async reboot(opts: { hard?: boolean; timeoutMs?: number } = {}): Promise<Ready> {
    const t0 = Date.now();
    const mark = this.qmpc.events.length;
    if (opts.hard) await this.qmp('system_reset');
    else await this.agentQueued('guest-shutdown', { mode: 'reboot' }, 15_000, false);
    await this.qmpc.waitEvent(e => e.event === 'RESET', mark, 120_000, 'RESET event after the reboot request');
    const resetMs = Date.now() - t0;
    return { ...(await this.waitReady(opts.timeoutMs ?? 300_000, t0)), resetMs };
  }

  /** Quits QEMU (SIGKILL after 10 s) and deletes the overlay; keeps the logs. Safe to call twice. */
  public async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.exited()) {
      const exit = new Promise(r => this.child.once('exit', r));
      await Promise.race([this.qmp('quit').catch(() => undefined), grace(5000)]);
      await Promise.race([exit, grace(10_000)]);
      if (!this.exited()) {
        this.child.kill('SIGKILL');
        await Promise.race([exit, grace(5000)]);
      }
    }
    live.delete(this.child);
    this.qmpc.close();
    rmSync(this.overlay, { force: true });
  }
}

/**
 * Starts QEMU and returns once QMP answers (the guest is then booting: see `Guest.waitReady`). PCIe layout, one root
 * port each, in this order: root disk (so it is /dev/vda), seed disk, agent's virtio-serial, the NICs, then
 * `rootPorts` empty ones.
 */
export async function startGuest(o: GuestOptions): Promise<Guest> {
  const image = join(o.imagesDir, `${o.image}.img`);
  for (const f of [image, join(o.imagesDir, 'vmlinuz'), join(o.imagesDir, 'initrd.img'), o.seedIso]) {
    if (!existsSync(f)) throw new Error(`startGuest: ${f} does not exist (run testbed/guest/build.sh; build the seed with buildSeedIso)`);
  }
  mkdirSync(o.dir, { recursive: true });
  const name = o.name ?? o.dir.split('/').filter(Boolean).pop()!;
  const overlay = join(o.dir, 'root.qcow2');
  const qmpSock = join(o.dir, 'qmp.sock');
  const qgaSock = join(o.dir, 'qga.sock');
  for (const f of [overlay, qmpSock, qgaSock, join(o.dir, 'console.log')]) rmSync(f, { force: true });
  if (qgaSock.length > 107) throw new Error(`startGuest: ${qgaSock} is longer than a unix socket path may be`);
  // The cached image stays untouched: QEMU opens a backing file read-only, and every write lands in the overlay.
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', image, overlay]);

  let n = 0;
  const ports: string[] = [];
  const port = () => {
    n++;
    ports.push('-device', `pcie-root-port,id=pci.${n},chassis=${n},bus=pcie.0`);
    return `pci.${n}`;
  };
  const args = [
    '-name', `guest=${name},debug-threads=on`,
    '-accel', 'tcg', // never kvm: this machine's /dev/kvm is PVM, which boots only PVM-built guest kernels
    '-machine', 'q35', '-smp', String(o.cpus ?? 1), '-m', String(o.memoryMiB ?? 1024),
    '-nodefaults', '-no-user-config', '-display', 'none',
    '-smbios', `type=1,manufacturer=KubeVirt,product=None,family=KubeVirt,uuid=${o.uuid}`,
    '-kernel', join(o.imagesDir, 'vmlinuz'), '-initrd', join(o.imagesDir, 'initrd.img'), '-append', KERNEL_APPEND,
    '-serial', `file:${join(o.dir, 'console.log')}`,
    '-qmp', `unix:${qmpSock},server=on,wait=off`,
    // cache=unsafe: the overlay is thrown away with the VM, so the guest's flushes need not reach the host's disk.
    '-drive', `file=${overlay},if=none,id=drive-ua-rootdisk,format=qcow2,cache=unsafe`,
    '-device', `virtio-blk-pci,drive=drive-ua-rootdisk,id=ua-rootdisk,bus=${port()}`,
    '-drive', `file=${o.seedIso},if=none,id=drive-ua-cloudinitdisk,format=raw,readonly=on`,
    '-device', `virtio-blk-pci,drive=drive-ua-cloudinitdisk,id=ua-cloudinitdisk,bus=${port()}`,
    '-chardev', `socket,id=charchannel0,path=${qgaSock},server=on,wait=off`,
    '-device', `virtio-serial-pci,id=virtio-serial0,bus=${port()}`,
    '-device', 'virtserialport,bus=virtio-serial0.0,nr=1,chardev=charchannel0,id=channel0,name=org.qemu.guest_agent.0',
  ];
  for (const nic of o.nics) {
    args.push('-netdev', netdevCli(`hostua-${nic.id}`, nic.backend));
    args.push('-device', `virtio-net-pci,netdev=hostua-${nic.id},id=ua-${nic.id},mac=${nic.mac},romfile=,bus=${port()}`);
  }
  const spare: string[] = [];
  for (let i = 0; i < (o.rootPorts ?? 4); i++) spare.push(port());
  const argv = [...ports, ...args];

  const qemuLog = join(o.dir, 'qemu.log');
  const out = openSync(qemuLog, 'w');
  let child: ChildProcess;
  try {
    const cmd = o.netns ? ['ip', 'netns', 'exec', o.netns, 'qemu-system-x86_64', ...argv] : ['qemu-system-x86_64', ...argv];
    child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  const startedAt = Date.now();
  live.add(child);
  const died = () => child.exitCode !== null || child.signalCode !== null;
  try {
    let sock: Socket | undefined;
    const deadline = Date.now() + 30_000;
    while (!sock) {
      if (died()) throw new Error(`QEMU exited (${child.exitCode ?? child.signalCode}) at start; ${qemuLog}:\n${tail(qemuLog, 20)}`);
      if (Date.now() > deadline) throw new Error(`QEMU's QMP socket ${qmpSock} did not open within 30 s; ${qemuLog}:\n${tail(qemuLog, 20)}`);
      sock = existsSync(qmpSock) ? await connectUnix(qmpSock).catch(() => undefined) : undefined;
      if (!sock) await sleep(50);
    }
    const qmp = new Qmp(sock);
    // The greeting comes first; qmp_capabilities leaves negotiation mode (qemu-qmp-ref, "QMP capabilities").
    await qmp.execute('qmp_capabilities');
    return new Guest({ dir: o.dir, name, child, qmp, overlay, freePorts: spare, startedAt });
  } catch (e) {
    child.kill('SIGKILL');
    live.delete(child);
    rmSync(overlay, { force: true });
    throw e;
  }
}
