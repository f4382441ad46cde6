/**
 * KubeVirt's bridge binding, pod side, for a guest the test bed boots itself (machine.ts): in the VM's network
 * namespace (the launcher pod's, one per VM) a bridge `k6t-<x>` with a tap for QEMU, and a DHCP server that hands the
 * VM's MAC its IPAM address and nothing to anyone else. The server is dnsmasq (the dnsmasq-base binary, no daemon, DNS
 * off), configured to send what KubeVirt's own single-client server sends:
 *   - pkg/network/setup/netpod/netpod.go and discoverbridge.go: the pod interface's first IPv4 is the client's
 *     address, the next hop of its first route the router, its other non-local routes option 121;
 *   - pkg/network/dhcp/bridge.go: the server id is the bridge's fake address 169.254.75.1<interface index>/32
 *     (pkg/network/link/address.go `GetFakeBridgeIP`), the MTU the pod interface's;
 *   - pkg/network/dhcp/server/server.go `SingleClientDHCPServer`: answers DISCOVER and REQUEST from that one MAC only,
 *     lease 999 days, options netmask, router, classless routes (default route last), DNS servers, search domains,
 *     domain name (the longest search domain, pkg/network/dns/resolveconf.go `GetDomainName`), MTU, hostname;
 *   - pkg/network/driver/common.go `StartDHCP`: DNS servers and search domains come from the pod's resolv.conf.
 * The pod's CNI interface (renamed `<x>-nic` and enslaved) and the dummy holding the IPAM address are left out:
 * nothing in the guest can tell, and this machine's kernel has no CONFIG_DUMMY (`ip link add d0 type dummy`:
 * "Error: Unknown device type.").
 *
 * Needs root (netns, links) and dnsmasq on PATH (testbed/guest/build.sh installs dnsmasq-base). Loaded by ts-jest and
 * by `node --experimental-strip-types`: Node's stdlib only, erasable TypeScript only, no import of this folder's files.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Route {
  /** Destination, `a.b.c.d/nn`; `0.0.0.0/0` for a default route. */
  readonly dst: string;
  readonly gw: string;
}

export interface DhcpOptions {
  /** The VM's network namespace; created when missing, deleted when the last stand-in in it stops. */
  readonly netns: string;
  /** The bridge, KubeVirt's `k6t-<x>` (at most 15 characters, like every link name). */
  readonly bridge: string;
  /** The tap QEMU opens (`-netdev tap,ifname=…`), a port of the bridge. */
  readonly tap: string;
  /** The only client served. */
  readonly mac: string;
  /** The IPAM address, `a.b.c.d/nn`. */
  readonly ip: string;
  /** Option 3. KubeVirt sends it when the pod interface's first route has a next hop. */
  readonly gateway?: string;
  /** Option 121, in KubeVirt's order: given order, default route moved last (server.go `sortRoutes`). */
  readonly routes?: readonly Route[];
  /** Option 6. */
  readonly dns?: readonly string[];
  /** Option 119, and option 15 = the longest of them. */
  readonly search?: readonly string[];
  /** Option 26; also the MTU of bridge and tap, as KubeVirt gives them the pod interface's. */
  readonly mtu?: number;
  /** Option 12; KubeVirt sends the pod's hostname. */
  readonly hostname?: string;
  /** The interface's index among the VMI's interfaces: the server id is 169.254.75.1<index>. Default 0. */
  readonly index?: number;
  /** Where the lease file and dnsmasq's log go. */
  readonly dir: string;
}

export interface DhcpHandle {
  readonly netns: string;
  readonly bridge: string;
  readonly tap: string;
  /** The server id the guest sees (the bridge's fake address). */
  readonly serverId: string;
  /** dnsmasq's log so far (`--log-dhcp`: every packet and option it sent). */
  log(): string;
  /** Kills dnsmasq, deletes bridge and tap, and the namespace if this module made it and nothing of it is left. */
  stop(): Promise<void>;
}

const FOUR_OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(text: string, what: string): number {
  const m = FOUR_OCTETS.exec(text);
  if (!m || m.slice(1).some(o => Number(o) > 255)) throw new Error(`startDhcp: ${what} ${text} is not an IPv4 address`);
  return m.slice(1).reduce((acc, o) => acc * 256 + Number(o), 0);
}

function formatV4(n: number): string {
  return [24, 16, 8, 0].map(s => Math.floor(n / 2 ** s) % 256).join('.');
}

function parseCidr(text: string, what: string): { ip: string; network: string; netmask: string; prefix: number } {
  const [addr, len] = text.split('/');
  const prefix = Number(len);
  if (len === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`startDhcp: ${what} ${text} is not a.b.c.d/nn`);
  const ip = parseV4(addr, what);
  const size = 2 ** (32 - prefix);
  return { ip: addr, network: formatV4(Math.floor(ip / size) * size), netmask: formatV4(2 ** 32 - size), prefix };
}

function sh(argv: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Namespaces this process created, with how many stand-ins use each: the last `stop()` deletes it. */
const ownedNamespaces = new Map<string, number>();
/** Every dnsmasq still running, killed on exit even when a test forgets (or fails before) `stop()`. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
  // The links go with the namespace (once the QEMU inside has been killed too: machine.ts does that on exit).
  for (const ns of ownedNamespaces.keys()) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // Gone already.
    }
  }
});

async function namespaceExists(netns: string): Promise<boolean> {
  return (await sh(['ip', 'netns', 'list'])).split('\n').some(l => l.split(' ')[0] === netns);
}

/** Creates the VM's namespace (with `lo` up) unless it exists; counts this module's users of the ones it made. */
export async function ensureNetns(netns: string): Promise<void> {
  if (ownedNamespaces.has(netns)) {
    ownedNamespaces.set(netns, ownedNamespaces.get(netns)! + 1);
    return;
  }
  if (await namespaceExists(netns)) return;
  await sh(['ip', 'netns', 'add', netns]);
  ownedNamespaces.set(netns, 1);
  await sh(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
}

/** Drops one use of a namespace this module made; deletes it with the last. Processes still inside keep it alive. */
export async function releaseNetns(netns: string): Promise<void> {
  const users = ownedNamespaces.get(netns);
  if (users === undefined) return;
  if (users > 1) {
    ownedNamespaces.set(netns, users - 1);
    return;
  }
  ownedNamespaces.delete(netns);
  await sh(['ip', 'netns', 'del', netns]);
}

/** The dnsmasq arguments that make it KubeVirt's single-client server (see the module comment). */
export function dnsmasqArgs(o: DhcpOptions): string[] {
  const addr = parseCidr(o.ip, 'ip');
  for (const d of o.dns ?? []) parseV4(d, 'DNS server');
  const lease = '999d';
  const args = [
    '--no-daemon', // foreground, root kept (lease file in a root-owned folder), log to stderr
    '--conf-file=/dev/null', // nothing from /etc/dnsmasq.conf or /etc/dnsmasq.d
    '--port=0', // no DNS: the launcher pod serves none, option 6 names the pod's servers
    '--no-resolv', '--no-hosts',
    `--interface=${o.bridge}`, '--bind-interfaces', // one server per bridge, like KubeVirt's, on its UDP :67
    '--log-facility=-', '--log-dhcp',
    `--dhcp-leasefile=${join(o.dir, `${o.bridge}.leases`)}`,
    // The bridge holds only the /32 server id, which defines no subnet: dnsmasq then finds "no address range
    // available for DHCP request via k6t-…" (tried). --shared-network lends the bridge the IPAM subnet instead.
    `--shared-network=${o.bridge},${addr.network}`,
    // `static`: no pool, only --dhcp-host clients; --dhcp-ignore drops every other MAC, as server.go's handler does.
    `--dhcp-range=${addr.network},static,${addr.netmask},${lease}`,
    // With a name, dnsmasq sends it as option 12 (KubeVirt: the pod's hostname).
    `--dhcp-host=${[o.mac, addr.ip, ...(o.hostname ? [o.hostname] : []), lease].join(',')}`,
    '--dhcp-ignore=tag:!known',
    // KubeVirt ACKs every REQUEST of its client, e.g. a rebooted guest's INIT-REBOOT for a lease this server forgot.
    '--dhcp-authoritative',
    '--no-ping', // KubeVirt offers at once; dnsmasq would first ping the address
  ];
  // Without a router KubeVirt sends no option 3 at all (server.go prepareDHCPOptions); dnsmasq would send its own
  // address unless told to send the option empty.
  args.push(o.gateway ? `--dhcp-option=option:router,${formatV4(parseV4(o.gateway, 'gateway'))}` : '--dhcp-option=option:router');
  const routes = [...(o.routes ?? [])];
  // server.go sortRoutes: "Default route must come last, otherwise it may not get applied".
  const ordered = [...routes.filter(r => parseCidr(r.dst, 'route').prefix > 0), ...routes.filter(r => parseCidr(r.dst, 'route').prefix === 0)];
  if (ordered.length) args.push(`--dhcp-option=option:classless-static-route,${ordered.map(r => `${r.dst},${formatV4(parseV4(r.gw, 'route gateway'))}`).join(',')}`);
  if (o.dns?.length) args.push(`--dhcp-option=option:dns-server,${o.dns.join(',')}`);
  if (o.search?.length) {
    args.push(`--dhcp-option=option:domain-search,${o.search.join(',')}`);
    // GetDomainName: the longest search domain (first one wins a tie).
    args.push(`--dhcp-option=option:domain-name,${o.search.reduce((a, b) => (b.length > a.length ? b : a), '')}`);
  }
  if (o.mtu !== undefined) args.push(`--dhcp-option=option:mtu,${o.mtu}`);
  return args;
}

/**
 * Makes namespace (when missing), bridge (with the fake server address) and tap, and starts dnsmasq on the bridge.
 * Resolves once dnsmasq has bound its DHCP socket; rejects with dnsmasq's own words if it does not.
 */
export async function startDhcp(o: DhcpOptions): Promise<DhcpHandle> {
  for (const name of [o.bridge, o.tap]) {
    if (name.length > 15) throw new Error(`startDhcp: link name ${name} is longer than 15 characters`);
  }
  const serverId = `169.254.75.1${o.index ?? 0}`;
  // Bad input fails here, before anything exists to clean up; what only dnsmasq checks fails at its start below.
  const serverArgs = dnsmasqArgs(o);
  mkdirSync(o.dir, { recursive: true });
  await ensureNetns(o.netns);
  const ip = (...args: string[]) => sh(['ip', '-n', o.netns, ...args]);
  const links: string[] = [];
  let child: ChildProcess | undefined;
  const logFile = join(o.dir, `dnsmasq-${o.bridge}.log`);
  const cleanup = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise(r => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise(r => setTimeout(r, 3000).unref())]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    if (child) running.delete(child);
    // Deleting the bridge first would only release its ports; the tap is deleted on its own.
    for (const l of links.reverse()) await ip('link', 'del', l).catch(() => undefined);
    links.length = 0;
    await releaseNetns(o.netns);
  };
  try {
    await ip('link', 'add', o.bridge, 'type', 'bridge');
    links.push(o.bridge);
    await ip('addr', 'add', `${serverId}/32`, 'dev', o.bridge);
    // A persistent tap, as virt-handler makes it before virt-launcher's QEMU opens it.
    await ip('tuntap', 'add', 'dev', o.tap, 'mode', 'tap');
    links.push(o.tap);
    if (o.mtu !== undefined) {
      await ip('link', 'set', o.bridge, 'mtu', String(o.mtu));
      await ip('link', 'set', o.tap, 'mtu', String(o.mtu));
    }
    await ip('link', 'set', o.tap, 'master', o.bridge);
    await ip('link', 'set', o.tap, 'up');
    await ip('link', 'set', o.bridge, 'up');

    const out = openSync(logFile, 'w');
    try {
      child = spawn('ip', ['netns', 'exec', o.netns, 'dnsmasq', ...serverArgs], { stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    running.add(child);
    const started = child;
    const read = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    // dnsmasq logs "DHCP, sockets bound exclusively to interface <bridge>" once serving; it exits on any bad option.
    const deadline = Date.now() + 10_000;
    while (!read().includes(`bound exclusively to interface ${o.bridge}`)) {
      if (started.exitCode !== null || started.signalCode !== null) throw new Error(`dnsmasq in ${o.netns} exited (${started.exitCode ?? started.signalCode}):\n${read()}`);
      if (Date.now() > deadline) throw new Error(`dnsmasq in ${o.netns} did not bind to ${o.bridge} within 10 s:\n${read()}`);
      await new Promise(r => setTimeout(r, 50));
    }
    let stopped = false;
    return {
      netns: o.netns,
      bridge: o.bridge,
      tap: o.tap,
      serverId,
      log: read,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await cleanup();
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
