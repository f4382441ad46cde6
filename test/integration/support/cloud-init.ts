/**
 * Renders network data with cloud-init's own renderer (`cloud-init devel net-convert`, Debian's cloud-init package),
 * as a booting guest would, and checks the rendered files against what the VM's spec asks for.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { IPv4 } from 'ipaddr.js';
import { parse } from 'yaml';
import { ResolvedNic, ResolvedVm } from '../../../src';
import { canLeaveRunningGuest } from '../../../src/model/net/addressing';

export type Output = 'netplan' | 'eni' | 'sysconfig';
/** The distro whose layout each output is rendered for. */
export const DISTRO: Record<Output, string> = { netplan: 'debian', eni: 'debian', sysconfig: 'fedora' };
const BATCH = join(__dirname, 'cloud-init-batch.py');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap(f => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The files under `dir`, by path relative to it: the layout `render` returns. */
export function filesUnder(dir: string): Map<string, string> {
  return new Map(walk(dir).map(f => [relative(dir, f), readFileSync(f, 'utf8')]));
}

/** The interpreter (and its arguments) from the shebang of the cloud-init executable: it has the cloudinit package. */
function interpreterOf(cloudInit: string): string[] {
  const first = readFileSync(cloudInit, 'utf8').split('\n')[0];
  if (!first.startsWith('#!')) throw new Error(`${cloudInit} has no shebang: ${first}`);
  return first.slice(2).trim().split(/\s+/);
}

export interface Job {
  readonly networkData: string;
  readonly distro: string;
  readonly outputKind: Output;
  readonly directory: string;
}

/** Runs every job through cloud-init's net-convert in one interpreter (support/cloud-init-batch.py): `render`, many at once. */
export function renderBatch(cloudInit: string, jobs: Job[]): Array<{ ok: boolean; error?: string; log: string }> {
  const [python, ...args] = interpreterOf(cloudInit);
  const out = execFileSync(python, [...args, BATCH], { input: JSON.stringify(jobs), maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
  return JSON.parse(out.toString('utf8'));
}

/** Runs cloud-init's renderer; returns the files it wrote, by path relative to the output root. */
export function render(cloudInit: string, networkData: string, output: Output): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'wukong-netconv-'));
  try {
    writeFileSync(join(dir, 'network-config'), networkData);
    execFileSync(cloudInit, ['devel', 'net-convert', '--network-data', join(dir, 'network-config'), '--kind', 'yaml',
      '--distro', DISTRO[output], '--output-kind', output, '--directory', join(dir, 'out')], { stdio: 'pipe' });
    return filesUnder(join(dir, 'out'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function prefixToNetmask(prefix: number): string {
  return IPv4.subnetMaskFromPrefixLength(prefix).toString();
}

function staticV4(nic: ResolvedNic) {
  return nic.ip.mode === 'static' && nic.ip.delivery !== 'cni-ipam' && nic.type !== 'kube-ovn' ? nic.ip.addresses.filter(a => a.family === 4) : [];
}

function staticV6(nic: ResolvedNic) {
  return nic.ip.mode === 'static' && nic.ip.delivery !== 'cni-ipam' ? nic.ip.addresses.filter(a => a.family === 6) : [];
}

function dhcp4(nic: ResolvedNic): boolean {
  if (nic.ip.mode === 'none') return false;
  return nic.ip.mode === 'dhcp' || nic.ip.delivery === 'cni-ipam' || (nic.type === 'kube-ovn' && nic.kubeOvn?.subnet?.spec.protocol !== 'IPv6');
}

/** Problems of the netplan output: everything, route metrics included, survives this renderer. */
export function netplanProblems(vm: ResolvedVm, files: Map<string, string>): string[] {
  const problems: string[] = [];
  const netplan = parse(files.get('etc/netplan/50-cloud-init.yaml') ?? 'network: {}').network;
  for (const nic of vm.nics) {
    const e = netplan.ethernets?.[nic.name];
    const at = `netplan ${nic.name}`;
    if (!e) { problems.push(`${at}: missing`); continue; }
    if (e.match?.macaddress !== nic.mac) problems.push(`${at}: matches MAC ${e.match?.macaddress}, expected ${nic.mac}`);
    // NICs that can leave a running guest are matched by MAC only (see canLeaveRunningGuest).
    const setName = canLeaveRunningGuest(nic) ? undefined : nic.name;
    if (e['set-name'] !== setName) problems.push(`${at}: set-name ${e['set-name']}, expected ${setName}`);
    const expectAddrs = [...staticV4(nic), ...staticV6(nic)].map(a => a.text);
    if (JSON.stringify(e.addresses ?? []) !== JSON.stringify(expectAddrs)) problems.push(`${at}: addresses ${JSON.stringify(e.addresses)} ≠ ${JSON.stringify(expectAddrs)}`);
    if (!!e.dhcp4 !== dhcp4(nic)) problems.push(`${at}: dhcp4 ${e.dhcp4}`);
    const routes: any[] = e.routes ?? [];
    const defaults = routes.filter(r => r.to === '0.0.0.0/0' || r.to === '::/0');
    if (!nic.primary && (defaults.length || e.gateway4 || e.gateway6)) problems.push(`${at}: a default route on a non-primary NIC`);
    if (nic.primary && nic.ip.gateway4 && staticV4(nic).length && !defaults.some(r => r.via === nic.ip.gateway4!.text && r.metric === nic.metric)) {
      problems.push(`${at}: no default route via ${nic.ip.gateway4.text} metric ${nic.metric}`);
    }
    if (nic.primary && nic.ip.gateway6 && staticV6(nic).length && e.gateway6 !== nic.ip.gateway6.text) problems.push(`${at}: gateway6 ${e.gateway6}`);
    if (dhcp4(nic)) {
      const o = e['dhcp4-overrides'] ?? {};
      if (o['route-metric'] !== nic.metric) problems.push(`${at}: DHCP route-metric ${o['route-metric']} ≠ ${nic.metric}`);
      if (nic.primary === (o['use-routes'] === false)) problems.push(`${at}: use-routes ${o['use-routes']} on a ${nic.primary ? '' : 'non-'}primary NIC`);
    }
    for (const r of nic.routes) {
      if (!routes.some(x => x.to === r.destination.network && x.via === r.gateway?.text && x.metric === r.metric)) {
        problems.push(`${at}: route ${r.destination.network} via ${r.gateway?.text} metric ${r.metric} missing`);
      }
    }
    if (JSON.stringify(e.nameservers?.addresses ?? []) !== JSON.stringify(nic.ip.dnsServers)) problems.push(`${at}: DNS ${JSON.stringify(e.nameservers?.addresses)}`);
    if (nic.mtu !== undefined && e.mtu !== nic.mtu) problems.push(`${at}: mtu ${e.mtu}`);
  }
  return problems;
}

function sysconfigVars(text: string | undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of (text ?? '').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2].replace(/^"|"$/g, '');
  }
  return vars;
}

/**
 * Problems of the sysconfig (Fedora/RHEL) output. Route metrics are not checked here: cloud-init drops v2 route
 * metrics outside netplan (canonical/cloud-init#4217), as the README says.
 */
export function sysconfigProblems(vm: ResolvedVm, files: Map<string, string>): string[] {
  const problems: string[] = [];
  const dir = 'etc/sysconfig/network-scripts';
  for (const nic of vm.nics) {
    const at = `sysconfig ${nic.name}`;
    const text = files.get(`${dir}/ifcfg-${nic.name}`);
    if (!text) { problems.push(`${at}: no ifcfg file`); continue; }
    const v = sysconfigVars(text);
    if (v.HWADDR !== nic.mac) problems.push(`${at}: HWADDR ${v.HWADDR} ≠ ${nic.mac}`);
    if (v.DEVICE !== nic.name) problems.push(`${at}: DEVICE ${v.DEVICE}`);
    const v4 = staticV4(nic);
    if ((v.BOOTPROTO === 'dhcp') !== dhcp4(nic)) problems.push(`${at}: BOOTPROTO ${v.BOOTPROTO}`);
    v4.forEach((a, i) => {
      const suffix = i === 0 ? '' : String(i);
      if (v[`IPADDR${suffix}`] !== a.ip.text || v[`NETMASK${suffix}`] !== prefixToNetmask(a.prefix)) problems.push(`${at}: IPADDR${suffix}/NETMASK${suffix} for ${a.text}`);
    });
    const v6 = staticV6(nic).map(a => a.text);
    const got6 = [v.IPV6ADDR, ...(v.IPV6ADDR_SECONDARIES ?? '').split(' ')].filter(Boolean);
    if (JSON.stringify(got6) !== JSON.stringify(v6)) problems.push(`${at}: IPv6 ${JSON.stringify(got6)} ≠ ${JSON.stringify(v6)}`);
    const hasDefault = v.DEFROUTE === 'yes' || !!v.GATEWAY || !!v.IPV6_DEFAULTGW;
    const wantsDefault = nic.primary && ((!!nic.ip.gateway4 && v4.length > 0) || (!!nic.ip.gateway6 && v6.length > 0));
    if (hasDefault !== wantsDefault) problems.push(`${at}: default route ${hasDefault ? 'present' : 'missing'} (DEFROUTE=${v.DEFROUTE} GATEWAY=${v.GATEWAY})`);
    if (wantsDefault && nic.ip.gateway4 && v.GATEWAY !== nic.ip.gateway4.text) problems.push(`${at}: GATEWAY ${v.GATEWAY}`);
    if (wantsDefault && nic.ip.gateway6 && v.IPV6_DEFAULTGW !== nic.ip.gateway6.text) problems.push(`${at}: IPV6_DEFAULTGW ${v.IPV6_DEFAULTGW}`);
    // cloud-init's sysconfig renderer ignores use-routes; a non-primary DHCP NIC keeps its DHCP default route unless
    // another NIC has a static one, so the primary must win by metric.
    const primaryMetric = vm.nics.find(n => n.primary)?.metric ?? 0;
    if (dhcp4(nic) && !nic.primary && v.DHCLIENT_SET_DEFAULT_ROUTE !== 'no' && Number(v.METRIC) <= primaryMetric) {
      problems.push(`${at}: a non-primary DHCP NIC may take the default route (METRIC ${v.METRIC} ≤ primary's ${primaryMetric})`);
    }
    if (dhcp4(nic) && v.METRIC !== String(nic.metric)) problems.push(`${at}: METRIC ${v.METRIC} ≠ ${nic.metric}`);
    nic.ip.dnsServers.forEach((d, i) => { if (v[`DNS${i + 1}`] !== d) problems.push(`${at}: DNS${i + 1} ${v[`DNS${i + 1}`]} ≠ ${d}`); });
    if (nic.mtu !== undefined && v.MTU !== String(nic.mtu)) problems.push(`${at}: MTU ${v.MTU}`);
    const routes = sysconfigVars(files.get(`${dir}/route-${nic.name}`));
    const routes6 = files.get(`${dir}/route6-${nic.name}`) ?? '';
    for (const r of nic.routes) {
      if (r.destination.family === 4) {
        const found = Object.keys(routes).filter(k => k.startsWith('ADDRESS')).some(k => {
          const n = k.slice('ADDRESS'.length);
          return routes[k] === r.destination.ip.text && routes[`NETMASK${n}`] === prefixToNetmask(r.destination.prefix) && routes[`GATEWAY${n}`] === r.gateway?.text;
        });
        if (!found) problems.push(`${at}: route ${r.destination.network} via ${r.gateway?.text} missing`);
      } else if (!routes6.includes(`${r.destination.network} via ${r.gateway?.text}`)) {
        problems.push(`${at}: route6 ${r.destination.network} via ${r.gateway?.text} missing`);
      }
    }
  }
  return problems;
}

/** Problems of the eni (Debian ifupdown) output: MAC naming, method, addresses, default route, routes, DNS. */
export function eniProblems(vm: ResolvedVm, files: Map<string, string>): string[] {
  const problems: string[] = [];
  const eni = files.get('etc/network/interfaces.d/50-cloud-init') ?? '';
  const udev = files.get('etc/udev/rules.d/70-persistent-net.rules') ?? '';
  const stanzas = eni.split(/\n(?=auto |iface |# control-)/);
  for (const nic of vm.nics) {
    const at = `eni ${nic.name}`;
    if (!udev.includes(`ATTR{address}=="${nic.mac}", NAME="${nic.name}"`)) problems.push(`${at}: no udev rule naming ${nic.mac} ${nic.name}`);
    const inet = stanzas.find(s => s.startsWith(`iface ${nic.name} inet `)) ?? '';
    if (!inet) { problems.push(`${at}: no iface stanza`); continue; }
    if (inet.startsWith(`iface ${nic.name} inet dhcp`) !== dhcp4(nic)) problems.push(`${at}: ${inet.split('\n')[0]}`);
    for (const a of staticV4(nic)) if (!inet.includes(`address ${a.text}`)) problems.push(`${at}: address ${a.text} missing`);
    const own = stanzas.filter(s => s.startsWith(`iface ${nic.name} `)).join('\n');
    const hasDefault = /route add default gw|route add -A inet6 default/.test(own);
    if (!nic.primary && hasDefault) problems.push(`${at}: a default route on a non-primary NIC`);
    if (nic.primary && nic.ip.gateway4 && staticV4(nic).length && !own.includes(`route add default gw ${nic.ip.gateway4.text}`)) problems.push(`${at}: default route missing`);
    for (const r of nic.routes.filter(x => x.destination.family === 4)) {
      if (!own.includes(`route add -net ${r.destination.network} gw ${r.gateway?.text}`)) problems.push(`${at}: route ${r.destination.network} missing`);
    }
    for (const d of nic.ip.dnsServers) if (!own.includes(`dns-nameservers ${d}`) && !own.includes(` ${d}`)) problems.push(`${at}: DNS ${d} missing`);
  }
  return problems;
}
