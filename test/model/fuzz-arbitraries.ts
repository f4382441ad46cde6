/**
 * fast-check arbitraries for Wukong specs: valid ones built field by field within the documented rules (README,
 * Validation), mutations that break exactly one rule each (or might, marked as such), and pairs of valid specs of
 * one VM for the planner. Everything is drawn through `fc.gen()`, so every choice shrinks.
 */
import * as fc from 'fast-check';
import * as ipaddr from 'ipaddr.js';
import { CNI_VERSIONS, MACVTAP_CNI_VERSIONS } from '../../src/model/net/cni-config';
import { deriveMac } from '../../src/model/net/mac';
import { RUN_STRATEGIES } from '../../src/model/spec/types';

/** A JSON object as YAML would produce it. */
export type Json = Record<string, any>;

export interface Meta {
  readonly name: string;
  readonly namespace: string;
}

/** A small wrapper around `fc.gen()` whose draws shrink towards the first choice, absence, and the lower bound. */
export class Draw {
  public constructor(private readonly g: fc.GeneratorValue) {}

  public int(min: number, max: number): number {
    return this.g(fc.integer, { min, max });
  }

  /** True with probability `p`; shrinks to false. */
  public chance(p: number): boolean {
    return this.int(0, 999) >= 1000 - Math.round(p * 1000);
  }

  public pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** One of `items`, weighted. */
  public weighted<T>(items: ReadonlyArray<readonly [number, T]>): T {
    const total = items.reduce((s, [w]) => s + w, 0);
    let n = this.int(0, total - 1);
    for (const [w, item] of items) {
      if (n < w) return item;
      n -= w;
    }
    return items[items.length - 1][1];
  }

  /** `n` distinct integers of [min, max] (n must fit). */
  public distinct(min: number, max: number, n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      const x = this.int(min, max);
      // Collisions are resolved by walking up, so the draw count stays bounded.
      let y = x;
      while (out.includes(y)) y = y === max ? min : y + 1;
      out.push(y);
    }
    return out;
  }

  public shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

/** Drops undefined values (what a YAML author would not write). */
export function compact<T extends Json>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------------------------
// Addresses

function v4text(n: number): string {
  return [Math.floor(n / 2 ** 24) % 256, Math.floor(n / 2 ** 16) % 256, Math.floor(n / 2 ** 8) % 256, n % 256].join('.');
}

/** Canonical text of an IP address. */
function canonical(ip: string): string {
  const a = ipaddr.parse(ip);
  return a.kind() === 'ipv6' ? (a as ipaddr.IPv6).toRFC5952String() : a.toString();
}

/** The address `k` places after `ip`. */
function addOffset(ip: string, k: number): string {
  const bytes = ipaddr.parse(ip).toByteArray();
  let carry = k;
  for (let i = bytes.length - 1; i >= 0 && carry > 0; i--) {
    const sum = bytes[i] + carry;
    bytes[i] = sum % 256;
    carry = Math.floor(sum / 256);
  }
  return canonical(ipaddr.fromByteArray(bytes).toString());
}

/** A network with host offsets [lo, hi] that are neither its network nor (IPv4) its broadcast address. */
export interface Net {
  readonly family: 4 | 6;
  readonly prefix: number;
  /** Canonical `network/prefix`. */
  readonly cidr: string;
  readonly lo: number;
  readonly hi: number;
  /** The address `offset` places after the network address (canonical text). */
  host(offset: number): string;
}

/** `o1.o2.0.0/prefix` (prefix ≥ 16). */
export function net4(o1: number, o2: number, prefix: number): Net {
  const base = o1 * 2 ** 24 + o2 * 2 ** 16;
  const size = 2 ** (32 - prefix);
  const [lo, hi] = prefix >= 31 ? [0, size - 1] : [1, size - 2];
  return { family: 4, prefix, cidr: `${v4text(base)}/${prefix}`, lo, hi, host: o => v4text(base + o) };
}

/** `fd00:<group>::/prefix` (32 ≤ prefix ≤ 127); host offsets stay below 2^16. */
export function net6(group: number, prefix: number): Net {
  const g = group.toString(16);
  const hi = Math.min(2 ** (128 - prefix) - 1, 0xffff);
  return {
    family: 6,
    prefix,
    cidr: `fd00:${g}::/${prefix}`,
    lo: prefix >= 127 ? 0 : 1,
    hi,
    host: o => ipaddr.IPv6.parse(`fd00:${g}::${o.toString(16)}`).toRFC5952String(),
  };
}

/** Another spelling of the same IPv6 address: upper case, or every group written out. */
function respell6(d: Draw, text: string): string {
  const how = d.weighted([[6, 'as-is'], [2, 'upper'], [1, 'expanded'], [1, 'fixed']] as const);
  if (how === 'upper') return text.toUpperCase();
  if (how === 'expanded') return ipaddr.IPv6.parse(text).toNormalizedString();
  if (how === 'fixed') return ipaddr.IPv6.parse(text).toNormalizedString().split(':').map(g => g.padStart(4, '0')).join(':').toUpperCase();
  return text;
}

function spell(d: Draw, net: Net, offset: number): string {
  const h = net.host(offset);
  return net.family === 6 ? respell6(d, h) : h;
}

// ---------------------------------------------------------------------------------------------------------------
// Valid specs

export type NicType = 'bridge' | 'macvlan' | 'sriov' | 'ovs' | 'kube-ovn';
const TYPES: ReadonlyArray<readonly [number, NicType]> = [[35, 'bridge'], [15, 'ovs'], [10, 'macvlan'], [15, 'sriov'], [25, 'kube-ovn']];
const NAME_POOL = ['eth1', 'net0', 'data', 'stor', 'mgmt', 'ovn-a', 'vf0', 'bulk', 'tenant', 'backup', 'n-1', 'x', 'a1b2c3d4e5f6',
  // YAML 1.1 reads these as booleans, null or numbers unless quoted.
  'on', 'off', 'yes', 'no', 'y', 'n', 'true', 'null', '1e5', '0x10', '0o17', '12e3'];
const LOWER = [...'abcdefghijklmnopqrstuvwxyz'];
const LOWER_DIGITS = [...LOWER, ...'0123456789'];
const LABEL_CHARS = [...LOWER_DIGITS, '-'];
const IFACE_CHARS = [...LABEL_CHARS, ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ_'];
const IFACE_FIRST = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ_'];
const RESOURCES = ['intel.com/sriov_netdevice', 'mellanox.com/cx5_vf', 'openshift.io/ens1f0.vfio'];
const DNS_POOL = ['10.0.0.53', '1.1.1.1', '2001:db8::53', '192.0.2.1', 'FD00::53'];
const SEARCH_POOL = ['example.com', 'corp.local', 'a.b.c.', 'x-1.example'];
const MEMORY = ['1Gi', '2Gi', '4Gi', '512Mi', '64Mi', '3G', '2048Mi'];
const IMAGES = ['quay.io/containerdisks/fedora:41', 'quay.io/containerdisks/ubuntu:24.04', 'registry.local:5000/img@sha256:abc'];
const USER_DATA = ['#cloud-config\nupdates:\n  network:\n    when: [boot]\n', '#cloud-config\npackages: [htop]\n'];
const METRIC_MAX = 4294967295;

/** A DNS-1123 label of 1..max characters starting with a letter (so never all digits). */
function label(d: Draw, max: number): string {
  const n = d.int(1, max);
  let s = d.pick(LOWER);
  for (let i = 1; i < n; i++) s += d.pick(i === n - 1 ? LOWER_DIGITS : LABEL_CHARS);
  return s;
}

/** [a-z0-9-] in any order, dashes first or last included, never all digits: the derived NAD name stays a label. */
function dashy(d: Draw, max: number): string {
  const n = d.int(1, max);
  let s = '';
  for (let i = 0; i < n; i++) s += d.pick(LABEL_CHARS);
  return /^\d+$/.test(s) ? `${s}-` : s;
}

/** A KubeVirt interface name that is not a DNS-1123 label (upper case or '_'), ≤ 15: needs nadName. */
function ifaceOnlyName(d: Draw): string {
  const n = d.int(2, 15);
  let s = d.pick(IFACE_FIRST);
  for (let i = 1; i < n; i++) s += d.pick(IFACE_CHARS);
  return s;
}

/** A unicast, non-zero MAC unique per `slot` (0..15), in either case. */
export function macFor(d: Draw, slot: number): string {
  if (d.chance(0.2)) {
    // All digits: a base-60 number to YAML 1.1 unless quoted.
    const digits = () => `${d.int(0, 9)}${d.int(0, 9)}`;
    return [`${d.int(0, 9)}${d.pick([2, 4, 6, 8])}`, digits(), digits(), digits(), String(50 + slot), digits()].join(':');
  }
  const octets = [d.int(0, 127) * 2, d.int(0, 255), d.int(0, 255), d.int(0, 255), 0xa0 + slot, d.int(0, 255)];
  const text = octets.map(o => o.toString(16).padStart(2, '0')).join(':');
  return d.chance(0.3) ? text.toUpperCase() : text;
}

function metric(d: Draw): number | undefined {
  if (!d.chance(0.4)) return undefined;
  return d.weighted([[3, d.int(0, 2000)], [1, 0], [1, METRIC_MAX], [1, d.int(0, METRIC_MAX)]] as const);
}

/** What a NIC's addresses make reachable: its static networks, or any next hop for a DHCP NIC. */
interface Reach {
  readonly mode: 'dhcp' | 'static' | 'none';
  /** Static networks with the offsets the NIC's own addresses take. */
  readonly nets: Array<{ net: Net; own: number[] }>;
}

const ANY_GATEWAY = { 4: ['10.99.0.1', '192.0.2.254', '100.64.0.1'], 6: ['fd00:99::1', '2001:db8:ffff::1', 'FE80::1'] };
const DESTINATIONS = {
  4: (k: number) => [`192.168.${k}.0/24`, `172.${20 + k}.0.0/16`, `100.64.${k * 4}.0/22`, '198.18.0.0/15', `203.0.${k}.128/25`],
  6: (k: number) => [`2001:db8:${k.toString(16)}::/48`, `fd99:${k.toString(16)}::/32`, `2001:db8:0:${k.toString(16)}::/64`],
};

/** Routes valid for a NIC: destinations without host bits, gateways reachable, a default route only on the primary. */
function routes(d: Draw, reach: Reach, primary: boolean, gatewayFamilies: Array<4 | 6>, slot: number): Json[] | undefined {
  if (reach.mode === 'none' || !d.chance(0.45)) return undefined;
  const families: Array<4 | 6> = reach.mode === 'dhcp' ? [4, 6] : [...new Set(reach.nets.map(n => n.net.family))];
  const out: Json[] = [];
  const used = new Set<string>();
  const n = d.int(1, 3);
  for (let i = 0; i < n; i++) {
    const family = d.pick(families);
    let gateway: string | undefined;
    if (reach.mode === 'dhcp') {
      gateway = d.pick(ANY_GATEWAY[family]);
    } else {
      const candidates = reach.nets.filter(x => x.net.family === family && x.net.hi - x.net.lo + 1 > x.own.length);
      if (!candidates.length) continue;
      const { net, own } = d.pick(candidates);
      let off = d.int(net.lo, net.hi);
      while (own.includes(off)) off = off === net.hi ? net.lo : off + 1;
      gateway = spell(d, net, off);
    }
    // An IPv6 default route is written as ipConfig.gateway (a ::/0 Route is rejected: cloud-init renders it as ::/64).
    const canDefault = primary && family === 4 && !gatewayFamilies.includes(family);
    const dest = canDefault && d.chance(0.25) ? '0.0.0.0/0' : d.pick(DESTINATIONS[family](slot + 1));
    if (used.has(dest)) continue;
    used.add(dest);
    out.push(compact({ destination: dest, gateway, metric: metric(d) }));
  }
  return out.length ? out : undefined;
}

interface IpDraft {
  readonly ipConfig?: Json;
  readonly reach: Reach;
  readonly hasV6: boolean;
  readonly gatewayFamilies: Array<4 | 6>;
}

function dnsAndSearch(d: Draw): Json {
  return compact({
    dnsServers: d.chance(0.35) ? d.shuffle(DNS_POOL).slice(0, d.int(1, 3)) : undefined,
    searchDomains: d.chance(0.2) ? d.shuffle(SEARCH_POOL).slice(0, d.int(1, 2)) : undefined,
  });
}

/** `address`, `addresses`, or both, for the given address texts. */
function addressFields(d: Draw, texts: string[]): Json {
  if (texts.length === 1 && d.chance(0.8)) return { address: texts[0] };
  if (texts.length > 1 && d.chance(0.3)) return { address: texts[0], addresses: texts.slice(1) };
  return { addresses: texts };
}

/** ipConfig of a bridge, ovs, macvlan or sriov NIC. */
function plainIp(d: Draw, slot: number, primary: boolean, type: NicType, external: boolean): IpDraft {
  const mode = d.weighted([[2, 'implicit'], [1, 'dhcp'], [6, 'static'], [1, 'none']] as const);
  if (mode === 'implicit') return { reach: { mode: 'dhcp', nets: [] }, hasV6: false, gatewayFamilies: [], ipConfig: d.chance(0.3) ? dnsAndSearch(d) : undefined };
  if (mode === 'dhcp') return { reach: { mode: 'dhcp', nets: [] }, hasV6: false, gatewayFamilies: [], ipConfig: { mode: 'dhcp', ...dnsAndSearch(d) } };
  if (mode === 'none') return { reach: { mode: 'none', nets: [] }, hasV6: false, gatewayFamilies: [], ipConfig: { mode: 'none' } };
  const families = d.weighted<ReadonlyArray<4 | 6>>([[5, [4]], [2, [6]], [3, [4, 6]]]);
  const nets: Array<{ net: Net; own: number[] }> = [];
  const texts: string[] = [];
  for (const family of families) {
    const count = d.weighted([[4, 1], [1, 2]] as const);
    for (let k = 0; k < count; k++) {
      // A second IPv4 address sits in a network of its own; a second IPv6 address shares the first one's.
      if (family === 6 && k === 1) {
        const x = nets.find(n => n.net.family === 6)!;
        if (x.net.hi - x.net.lo + 1 <= x.own.length) continue;
        let off = d.int(x.net.lo, x.net.hi);
        while (x.own.includes(off)) off = off === x.net.hi ? x.net.lo : off + 1;
        x.own.push(off);
        texts.push(`${spell(d, x.net, off)}/${x.net.prefix}`);
        continue;
      }
      const net = family === 4
        ? (k === 0 ? net4(10, slot + 1, d.weighted([[4, 24], [2, d.int(16, 30)], [1, 31], [1, 32]] as const)) : net4(172, 16 + slot, d.int(16, 30)))
        : net6(slot + 1, d.weighted([[4, 64], [1, 48], [1, 112], [1, 120], [1, 127]] as const));
      const own = d.int(net.lo, net.hi);
      nets.push({ net, own: [own] });
      texts.push(`${spell(d, net, own)}/${net.prefix}`);
    }
  }
  const gatewayFor = (family: 4 | 6): string | undefined => {
    const x = nets.find(n => n.net.family === family);
    if (!x || x.net.hi - x.net.lo + 1 <= x.own.length) return undefined;
    let off = d.int(x.net.lo, x.net.hi);
    while (x.own.includes(off)) off = off === x.net.hi ? x.net.lo : off + 1;
    return spell(d, x.net, off);
  };
  const ip: Json = { ...(d.chance(0.3) ? { mode: 'static' } : {}), ...addressFields(d, texts) };
  const gatewayFamilies: Array<4 | 6> = [];
  const cniIpam = (type === 'bridge' || type === 'ovs') && !external && texts.length === 1 && families.length === 1 && families[0] === 4 && d.chance(0.3);
  if (cniIpam || d.chance(primary ? 0.75 : 0.2)) {
    const first: 4 | 6 = families.includes(4) ? 4 : 6;
    const gw = gatewayFor(first);
    if (gw) {
      ip.gateway = gw;
      gatewayFamilies.push(first);
    }
    if (first === 4 && families.includes(6) && d.chance(0.6)) {
      const gw6 = gatewayFor(6);
      if (gw6) {
        ip.gateway6 = gw6;
        gatewayFamilies.push(6);
      }
    }
  }
  if (cniIpam && ip.gateway) ip.delivery = 'cni-ipam';
  else if (d.chance(0.1)) ip.delivery = 'network-data';
  Object.assign(ip, dnsAndSearch(d));
  return { ipConfig: ip, reach: { mode: 'static', nets }, hasV6: families.includes(6), gatewayFamilies };
}

/** A kube-ovn NIC's subnet and ipConfig: addresses inside the subnet with its prefix, never its gateway. */
function kubeOvnParts(d: Draw, slot: number, external: boolean, provider: string | undefined): { subnet?: Json; ip: IpDraft } {
  const withSubnet = !external || d.chance(0.3);
  if (!withSubnet) {
    // An existing kube-ovn NAD: the guest takes DHCP (or nothing).
    const ipConfig = d.chance(0.2) ? { mode: 'none' } : undefined;
    return { ip: { ipConfig, reach: { mode: ipConfig ? 'none' : 'dhcp', nets: [] }, hasV6: false, gatewayFamilies: [] } };
  }
  const families = d.weighted<ReadonlyArray<4 | 6>>([[6, [4]], [2, [6]], [2, [4, 6]], [1, [6, 4]]]);
  const nets = families.map(f => (f === 4 ? net4(10, 200 + slot, d.weighted([[4, 24], [3, d.int(16, 29)], [1, 30]] as const))
    : net6(0x200 + slot, d.weighted([[4, 64], [1, 96], [1, 112], [1, 120], [1, 126]] as const))));
  const explicitGateway = d.chance(0.3);
  const gwOffsets = nets.map(n => (explicitGateway ? d.int(n.lo, n.hi) : 1));
  const subnet: Json = { cidrBlock: nets.map(n => n.cidr).join(',') };
  if (explicitGateway) subnet.gateway = nets.map((n, i) => spell(d, n, gwOffsets[i])).join(',');
  const exclude: string[] = [];
  const mode = d.weighted([[4, 'dhcp'], [6, 'static'], [1, 'none']] as const);
  const own: number[][] = nets.map(() => []);
  const texts: string[] = [];
  if (mode === 'static') {
    nets.forEach((n, i) => {
      if (i > 0 && d.chance(0.3)) return;
      if (n.hi - n.lo < 1) return;
      let off = d.int(n.lo, n.hi);
      while (off === gwOffsets[i]) off = off === n.hi ? n.lo : off + 1;
      own[i].push(off);
      texts.push(`${spell(d, n, off)}/${n.prefix}`);
      if (d.chance(0.6)) exclude.push(d.chance(0.5) ? n.host(off) : `${n.host(Math.max(n.lo, off - d.int(0, 5)))}..${n.host(Math.min(n.hi, off + d.int(0, 5)))}`);
    });
  }
  for (let k = d.chance(0.4) ? d.int(1, 3) : 0; k > 0; k--) {
    const n = d.pick(nets);
    const a = d.int(n.lo, n.hi);
    const b = d.int(a, Math.min(n.hi, a + 40));
    exclude.push(a === b && d.chance(0.5) ? spell(d, n, a) : `${spell(d, n, a)}..${spell(d, n, b)}`);
  }
  if (exclude.length) subnet.excludeIps = d.shuffle(exclude);
  if (provider !== undefined && d.chance(0.2)) subnet.provider = provider;
  if (d.chance(0.15)) subnet.mtu = d.pick([1400, 68, 65535, 9000]);
  if (d.chance(0.15)) subnet.natOutgoing = d.chance(0.5);
  if (d.chance(0.1)) subnet.private = d.chance(0.5);
  if (d.chance(0.1)) subnet.vlan = d.pick(['vlan100', 'underlay']);
  if (d.chance(0.1)) subnet.vpc = d.pick(['vpc-a', 'tenant-vpc']);
  if (d.chance(0.15)) subnet.name = `sub-${slot}`;
  let ipConfig: Json | undefined;
  const gatewayFamilies: Array<4 | 6> = [];
  if (mode === 'static' && texts.length) {
    ipConfig = { ...(d.chance(0.3) ? { mode: 'static' } : {}), ...addressFields(d, texts) };
    const v4 = nets.findIndex((n, i) => n.family === 4 && own[i].length);
    const v6 = nets.findIndex((n, i) => n.family === 6 && own[i].length);
    if (d.chance(0.3)) {
      if (v4 >= 0) {
        ipConfig.gateway = nets[v4].host(gwOffsets[v4]);
        gatewayFamilies.push(4);
        if (v6 >= 0 && d.chance(0.5)) {
          ipConfig.gateway6 = nets[v6].host(gwOffsets[v6]);
          gatewayFamilies.push(6);
        }
      } else if (v6 >= 0) {
        ipConfig.gateway = nets[v6].host(gwOffsets[v6]);
        gatewayFamilies.push(6);
      }
    }
    Object.assign(ipConfig, dnsAndSearch(d));
  } else if (mode === 'none') {
    ipConfig = { mode: 'none' };
  } else if (d.chance(0.3)) {
    ipConfig = { mode: 'dhcp', ...dnsAndSearch(d) };
  }
  const staticNets = nets.map((net, i) => ({ net, own: [...own[i], gwOffsets[i]] })).filter((_, i) => own[i].length);
  const reachMode = mode === 'static' && texts.length ? 'static' : mode === 'none' ? 'none' : 'dhcp';
  return {
    subnet,
    ip: { ipConfig, reach: { mode: reachMode, nets: staticNets }, hasV6: texts.some(t => t.includes(':')), gatewayFamilies },
  };
}

export interface NicOptions {
  readonly meta?: Meta;
  /** Force the NIC type (plan pairs: "change the type"). */
  readonly type?: NicType;
  /** Force (true) or forbid (false) reusing an existing NAD by nadName. */
  readonly external?: boolean;
}

/** One valid NIC at position `slot` (0..11; decides its networks and MAC), primary or not. */
export function validNic(d: Draw, slot: number, name: string, primary: boolean, opts: NicOptions = {}): Json {
  // Any [a-z0-9-] name gives a valid NAD name `{vm}-{name}-nad`.
  const labelName = /^[-a-z0-9]+$/.test(name);
  const type = opts.type ?? d.weighted(TYPES);
  const external = !labelName || (opts.external ?? d.chance(0.12));
  const nic: Json = { name };
  if (type !== 'bridge' || d.chance(0.3)) nic.type = type;
  if (external) nic.nadName = d.weighted([[3, `ext-${slot}`], [1, `shared-nets/ext-${slot}`], [1, 'corp-net']] as const);
  const ns = opts.meta?.namespace ?? 'default';
  const nadRef = external ? String(nic.nadName) : `${opts.meta?.name ?? 'vm'}-${name}-nad`;
  const provider = opts.meta ? `${nadRef.includes('/') ? nadRef.split('/')[1] : nadRef}.${nadRef.includes('/') ? nadRef.split('/')[0] : ns}.ovn` : undefined;
  if (type !== 'kube-ovn' && d.chance(0.55)) nic.vlanId = d.weighted([[6, d.int(2, 4093)], [1, 1], [1, 4094]] as const);
  if ((type === 'bridge' || type === 'ovs') && !external && (name.length > 12 || d.chance(0.15))) nic.bridgeName = d.pick(['br0', 'br-ex', `brdata${slot}`, 'ovsbr-long-15ch']);
  if (type === 'macvlan' && d.chance(0.4)) nic.master = d.pick(['eth1', 'ens3', 'bond0']);
  if (type === 'sriov' && (!external || d.chance(0.5))) nic.resourceName = d.pick(RESOURCES);
  if (type === 'bridge' && d.chance(0.05)) nic.resourceName = 'bridge.network.kubevirt.io/br0';
  if (d.chance(0.15)) nic.cniVersion = d.pick(type === 'macvlan' ? MACVTAP_CNI_VERSIONS : CNI_VERSIONS);
  let ip: IpDraft;
  if (type === 'kube-ovn') {
    const parts = kubeOvnParts(d, slot, external, provider);
    if (parts.subnet) nic.subnet = parts.subnet;
    ip = parts.ip;
  } else {
    ip = plainIp(d, slot, primary, type, external);
  }
  if (ip.ipConfig !== undefined) nic.ipConfig = ip.ipConfig;
  const r = routes(d, ip.reach, primary, ip.gatewayFamilies, slot);
  if (r) nic.routes = r;
  if (d.chance(0.25)) nic.mtu = ip.hasV6 ? d.pick([1280, 1500, 9000, 65535]) : d.pick([68, 576, 1500, 9000, 65535, 1279]);
  if (d.chance(0.25)) nic.priority = d.weighted([[4, d.int(0, 50)], [1, 0], [1, 1_000_000]] as const);
  if (d.chance(0.3)) nic.macAddress = macFor(d, slot);
  return nic;
}

/** `count` distinct NIC names, none equal to `taken`. */
export function nicNames(d: Draw, count: number, taken: string[] = []): string[] {
  const names: string[] = [];
  while (names.length < count) {
    const kind = d.weighted([[5, 'pool'], [4, 'label'], [1, 'dashy'], [1, 'iface']] as const);
    let name = kind === 'pool' ? d.pick(NAME_POOL) : kind === 'label' ? label(d, 15) : kind === 'dashy' ? dashy(d, 15) : ifaceOnlyName(d);
    if (names.includes(name) || taken.includes(name)) name = `n${names.length}-${d.int(0, 999)}`;
    if (names.includes(name) || taken.includes(name)) continue;
    names.push(name);
  }
  return names;
}

export interface SpecOptions {
  readonly meta?: Meta;
  readonly maxNics?: number;
  /** Allow `networkDataDelivery: inline` (only for small VMs, whose data fits KubeVirt's 2048 bytes). */
  readonly inline?: boolean;
}

/** What the generator knows about a valid spec: which NIC is primary, and the pod network. */
export interface ValidSpec {
  readonly spec: Json;
  /** Index into `networks` of the primary NIC, -1 for the pod network, undefined for none. */
  readonly primary?: number;
  readonly podName?: string;
}

function machineFields(d: Draw, nics: number, opts: SpecOptions): Json {
  return compact({
    cpu: d.chance(0.3) ? d.weighted([[5, d.int(1, 8)], [1, 1024]] as const) : undefined,
    memory: d.chance(0.3) ? d.pick(MEMORY) : undefined,
    image: d.chance(0.2) ? d.pick(IMAGES) : undefined,
    runStrategy: d.chance(0.2) ? d.pick(RUN_STRATEGIES) : undefined,
    userData: d.chance(0.2) ? d.pick(USER_DATA) : undefined,
    networkDataDelivery: opts.inline !== false && nics <= 2 && d.chance(0.15) ? 'inline' : d.chance(0.1) ? 'secret' : undefined,
    onMissingMultus: d.chance(0.1) ? d.pick(['fail', 'pod-network-only']) : undefined,
  });
}

function podRoutes(d: Draw, primary: boolean): Json[] | undefined {
  return routes(d, { mode: 'dhcp', nets: [] }, primary, [], 14);
}

/** A valid spec: every rule of the README's Validation section holds by construction. */
export function validSpec(d: Draw, opts: SpecOptions = {}): ValidSpec {
  const max = opts.maxNics ?? 12;
  const count = d.weighted([[7, d.int(0, Math.min(4, max))], [3, d.int(0, max)]] as const);
  const podEnabled = !d.chance(0.15);
  const podName = podEnabled ? d.weighted([[6, 'default'], [1, 'pod'], [1, 'podnet'], [1, 'on']] as const) : undefined;
  const names = nicNames(d, count, podName ? [podName] : ['default']);
  const mode = d.weighted([[5, 'implicit'], [3, 'explicit'], [1, 'pod'], [1, 'none']] as const);
  const flags: Array<boolean | undefined> = names.map(() => undefined);
  let primary: number | undefined;
  let podPrimary: boolean | undefined;
  if (mode === 'explicit' && count > 0) {
    primary = d.int(0, count - 1);
    flags.forEach((_, i) => { flags[i] = i === primary ? true : d.chance(0.2) ? false : undefined; });
  } else if (mode === 'pod' && podEnabled) {
    primary = -1;
    podPrimary = true;
    flags.forEach((_, i) => { flags[i] = d.chance(0.2) ? false : undefined; });
  } else if (mode === 'none') {
    flags.forEach((_, i) => { flags[i] = false; });
    if (podEnabled) podPrimary = false;
  } else {
    const leading = d.int(0, Math.min(2, count));
    for (let i = 0; i < leading; i++) flags[i] = false;
    primary = leading < count ? leading : podEnabled ? -1 : undefined;
  }
  const networks = names.map((name, i) => {
    const nic = validNic(d, i, name, i === primary, { meta: opts.meta });
    return flags[i] === undefined ? nic : { ...nic, primary: flags[i] };
  });
  const spec: Json = machineFields(d, count, opts);
  if (count > 0 || d.chance(0.5)) spec.networks = networks;
  if (!podEnabled) {
    spec.podNetwork = { enabled: false };
  } else {
    const pod = compact({
      enabled: d.chance(0.1) ? true : undefined,
      name: podName !== 'default' || d.chance(0.1) ? podName : undefined,
      primary: podPrimary,
      priority: d.chance(0.2) ? d.int(0, 100) : undefined,
      macAddress: d.chance(0.2) ? macFor(d, 15) : undefined,
      routes: podRoutes(d, primary === -1),
    });
    if (Object.keys(pod).length) spec.podNetwork = pod;
  }
  return { spec, primary, podName };
}

/** Valid specs (with the generator's notes) for a VM named by `opts.meta`. */
export function validSpecArb(opts: SpecOptions = {}): fc.Arbitrary<ValidSpec> {
  return fc.gen().map(g => printable(validSpec(new Draw(g), opts)));
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations: each breaks one rule (`invalid`, with the path an error must name) or might (`invalid: false`).

export interface Mutation {
  readonly label: string;
  /** The spec must be rejected. */
  readonly invalid: boolean;
  /** An error must name this path or a field below it. */
  readonly path?: string;
}

interface MutationContext {
  readonly d: Draw;
  readonly spec: Json;
  readonly meta: Json;
  readonly base: ValidSpec;
  /** NIC indices already touched by another mutation. */
  readonly touched: Set<number | 'pod' | string>;
}

type Mutator = (ctx: MutationContext) => Mutation | undefined;

function nicsOf(spec: Json): Json[] {
  return Array.isArray(spec.networks) ? spec.networks : [];
}

/** A NIC no other mutation touched yet, with its index. */
function freeNic(ctx: MutationContext, pred: (n: Json, i: number) => boolean = () => true): [Json, number] | undefined {
  const free = nicsOf(ctx.spec).map((n, i) => [n, i] as [Json, number])
    .filter(([n, i]) => n && typeof n === 'object' && !ctx.touched.has(i) && pred(n, i));
  if (!free.length) return undefined;
  const hit = ctx.d.pick(free);
  ctx.touched.add(hit[1]);
  return hit;
}

const typeOf = (n: Json): NicType => n.type ?? 'bridge';
const isStatic = (n: Json) => n.ipConfig !== undefined && (n.ipConfig.address !== undefined || n.ipConfig.addresses !== undefined);
const addrList = (n: Json): string[] => [...(n.ipConfig?.address !== undefined ? [n.ipConfig.address] : []), ...(n.ipConfig?.addresses ?? [])];
const P = (i: number) => `networks[${i}]`;

/** Sets the first address of a static NIC. */
function setFirstAddress(n: Json, value: unknown): void {
  if (n.ipConfig.address !== undefined) n.ipConfig.address = value;
  else n.ipConfig.addresses[0] = value;
}

function parsedFirst(n: Json): { ip: string; prefix: number; family: 4 | 6 } {
  const [ip, prefix] = addrList(n)[0].split('/');
  return { ip, prefix: Number(prefix), family: ip.includes(':') ? 6 : 4 };
}

/** The network and (IPv4) broadcast address of `ip/prefix`. */
function networkAndBroadcast(ip: string, prefix: number): { network: string; broadcast?: string } {
  const addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv4') {
    const c = ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${prefix}`).toString();
    return { network: c, broadcast: ipaddr.IPv4.broadcastAddressFromCIDR(`${ip}/${prefix}`).toString() };
  }
  return { network: ipaddr.IPv6.networkAddressFromCIDR(`${ip}/${prefix}`).toRFC5952String() };
}

const NIC_MUTATORS: Mutator[] = [
  // names
  ctx => {
    const hit = freeNic(ctx);
    if (!hit) return undefined;
    const [n, i] = hit;
    const how = ctx.d.pick(['long', 'space', 'slash', 'colon', 'dot', 'at', 'empty', 'digits', 'unicode'] as const);
    n.name = { long: 'interface-name-16', space: 'eth 0', slash: 'eth/0', colon: 'eth:0', dot: 'eth.0', at: 'eth@0', empty: '', digits: '1234', unicode: 'nïc' }[how];
    return { label: `name-${how}`, invalid: true, path: P(i) };
  },
  ctx => {
    const nics = nicsOf(ctx.spec);
    const hit = freeNic(ctx);
    if (!hit) return undefined;
    const [n, i] = hit;
    const others = nics.map((x, j) => [x, j] as [Json, number]).filter(([x, j]) => j !== i && x && typeof x.name === 'string' && !ctx.touched.has(j));
    if (others.length && ctx.d.chance(0.7)) {
      const [o, j] = ctx.d.pick(others);
      ctx.touched.add(j);
      n.name = o.name;
      return { label: 'name-duplicate', invalid: true, path: P(Math.max(i, j)) };
    }
    if (ctx.base.podName === undefined || ctx.touched.has('pod')) return undefined;
    ctx.touched.add('pod');
    n.name = ctx.base.podName;
    return { label: 'name-pod', invalid: true, path: P(i) };
  },
  ctx => {
    // Only the derived NAD name is wrong, an error that a bad VM name would hide: keep the VM name.
    if (ctx.touched.has('meta')) return undefined;
    const hit = freeNic(ctx, n => n.nadName === undefined);
    if (!hit) return undefined;
    ctx.touched.add('meta');
    hit[0].name = ctx.d.pick(['Eth1', 'eth_1', 'DATA']);
    return { label: 'name-not-dns-label', invalid: true, path: P(hit[1]) };
  },
  // types
  ctx => {
    const hit = freeNic(ctx);
    if (!hit) return undefined;
    hit[0].type = ctx.d.pick(['vxlan', 'Bridge', 'linux-bridge', '', 'sr-iov']);
    return { label: 'type-unknown', invalid: true, path: P(hit[1]) };
  },
  ctx => {
    const hit = freeNic(ctx);
    if (!hit) return undefined;
    const [n, i] = hit;
    n.type = 'sriov';
    delete n.resourceName;
    delete n.nadName;
    return { label: 'sriov-without-resourceName', invalid: true, path: P(i) };
  },
  // kube-ovn subnets
  ctx => {
    const hit = freeNic(ctx, n => typeOf(n) === 'kube-ovn' && n.subnet && n.nadName === undefined);
    if (!hit) return undefined;
    const [n, i] = hit;
    const s = n.subnet;
    const first = String(s.cidrBlock).split(',')[0];
    const [ip, prefix] = first.split('/');
    const v6 = ip.includes(':');
    const how = ctx.d.pick(['host-bits', 'single', 'syntax', 'loopback', 'multicast', 'two-v4', 'three', 'exclude-outside', 'exclude-reversed',
      'exclude-bad', 'gateway-outside', 'gateway-network', 'gateway-count', 'provider', 'name-vpc', 'name-bad', 'mtu', 'missing', 'vlanId',
      'address-outside', 'address-prefix', 'address-gateway', 'ip-gateway'] as const);
    const hostOf = (k: number) => addOffset(ip, k);
    const gw = s.gateway ? String(s.gateway).split(',')[0] : hostOf(1);
    const otherGateways = () => String(s.cidrBlock).split(',').slice(1).map(x => addOffset(x.split('/')[0], 1));
    switch (how) {
      case 'host-bits': s.cidrBlock = `${hostOf(3)}/${prefix}`; break;
      case 'single': s.cidrBlock = v6 ? `${hostOf(1)}/128` : `${hostOf(1)}/32`; break;
      case 'syntax': s.cidrBlock = ctx.d.pick(['10.300.0.0/24', '10.1.0.0/33', 'fd00::g/64', 'subnet', '10.1.0.0', '10.1.0.0/24;10.2.0.0/24']); break;
      case 'loopback': s.cidrBlock = v6 ? '::1/127' : '127.0.0.0/8'; break;
      case 'multicast': s.cidrBlock = v6 ? 'ff02::/16' : '224.0.0.0/24'; break;
      case 'two-v4': s.cidrBlock = '10.240.0.0/24,10.241.0.0/24'; break;
      case 'three': s.cidrBlock = '10.240.0.0/24,fd00:240::/64,10.241.0.0/24'; break;
      case 'exclude-outside': s.excludeIps = [...(s.excludeIps ?? []), v6 ? '2001:db8:dead::1' : '192.0.2.77']; break;
      case 'exclude-reversed': s.excludeIps = [...(s.excludeIps ?? []), `${hostOf(2)}..${hostOf(1)}`]; break;
      case 'exclude-bad': s.excludeIps = [...(s.excludeIps ?? []), ctx.d.pick(['foo', `${hostOf(1)}..`, `${hostOf(1)}..${hostOf(2)}..${hostOf(3)}`, `${hostOf(1)}..fd00::1`])]; break;
      case 'gateway-outside': s.gateway = [v6 ? '2001:db8:dead::1' : '192.0.2.77', ...otherGateways()].join(','); break;
      case 'gateway-network': s.gateway = [ip, ...otherGateways()].join(','); break;
      case 'gateway-count': s.gateway = `${gw},${gw},${gw}`; break;
      case 'provider': s.provider = 'wrong.default.ovn'; break;
      case 'name-vpc': s.name = s.vpc ?? 'ovn-cluster'; break;
      case 'name-bad': s.name = ctx.d.pick(['Sub_1', '-sub', 'x'.repeat(64)]); break;
      case 'mtu': s.mtu = ctx.d.pick([10, 70000, 1500.5]); break;
      case 'missing': delete n.subnet; break;
      case 'vlanId': n.vlanId = ctx.d.int(1, 4094); break;
      case 'address-outside':
      case 'address-prefix':
      case 'address-gateway':
      case 'ip-gateway': {
        const addrs = addrList(n);
        if (!addrs.length) return undefined;
        const fam = addrs[0].includes(':') ? 6 : 4;
        const cidrs = String(s.cidrBlock).split(',');
        const k = cidrs.findIndex(x => (x.includes(':') ? 6 : 4) === fam);
        const [netIp, netPrefix] = cidrs[k].split('/');
        const ownPrefix = Number(netPrefix);
        const subnetGw = s.gateway ? String(s.gateway).split(',')[k] : addOffset(netIp, 1);
        if (how === 'address-outside') {
          setFirstAddress(n, fam === 6 ? '2001:db8:beef::5/64' : '192.0.2.5/24');
        } else if (how === 'address-gateway') {
          setFirstAddress(n, `${subnetGw}/${ownPrefix}`);
        } else if (how === 'address-prefix') {
          if (ownPrefix <= (fam === 6 ? 64 : 16)) return undefined;
          setFirstAddress(n, `${addrs[0].split('/')[0]}/${ownPrefix - 1}`);
        } else {
          // Another host of the subnet: neither its gateway nor the NIC's own address.
          if (ownPrefix > (fam === 6 ? 125 : 29)) return undefined;
          const own = canonical(addrs[0].split('/')[0]);
          const other = [2, 3, 4].map(x => addOffset(netIp, x)).find(x => x !== own && x !== canonical(subnetGw));
          n.ipConfig.gateway = other;
          delete n.ipConfig.gateway6;
        }
        break;
      }
    }
    return { label: `kube-ovn-${how}`, invalid: true, path: P(i) };
  },
  // two kube-ovn NICs of one VM creating the same cluster-scoped Subnet name, or overlapping CIDRs in one VPC
  ctx => {
    const own = (n: Json) => typeOf(n) === 'kube-ovn' && n.subnet && typeof n.subnet === 'object' && n.nadName === undefined && n.sharedBy === undefined;
    const a = freeNic(ctx, own);
    const b = a && freeNic(ctx, own);
    if (!a || !b) return undefined;
    const [first, second] = a[1] < b[1] ? [a, b] : [b, a];
    const how = ctx.d.pick(['same-name', 'overlap'] as const);
    // A provider or Subnet name derived from a VM name that another mutation broke would hide the conflict.
    delete first[0].subnet.provider;
    delete second[0].subnet.provider;
    if (how === 'same-name') {
      first[0].subnet.name = second[0].subnet.name = 'dup-subnet';
    } else {
      first[0].subnet.name ??= 'overlap-a';
      second[0].subnet.name ??= 'overlap-b';
      for (const k of ['vpc', 'vlan']) {
        if (first[0].subnet[k] === undefined) delete second[0].subnet[k];
        else second[0].subnet[k] = first[0].subnet[k];
      }
      second[0].subnet.cidrBlock = first[0].subnet.cidrBlock;
      delete second[0].subnet.gateway;
      delete second[0].subnet.excludeIps;
    }
    return { label: `kube-ovn-subnet-${how}`, invalid: true, path: P(second[1]) };
  },
  ctx => {
    const hit = freeNic(ctx, n => typeOf(n) !== 'kube-ovn');
    if (!hit) return undefined;
    hit[0].subnet = { cidrBlock: '10.250.0.0/24' };
    return { label: 'subnet-on-other-type', invalid: true, path: P(hit[1]) };
  },
  // VLAN
  ctx => {
    const hit = freeNic(ctx, n => typeOf(n) !== 'kube-ovn');
    if (!hit) return undefined;
    const v = ctx.d.pick([0, 4095, 5000, -1, 1.5, 100.5, '100', 1, 4094, null] as const);
    hit[0].vlanId = v;
    const invalid = !(v === 1 || v === 4094 || v === null);
    return { label: `vlanId-${v}`, invalid, path: invalid ? P(hit[1]) : undefined };
  },
  // MTU
  ctx => {
    const hit = freeNic(ctx);
    if (!hit) return undefined;
    const [n, i] = hit;
    const hasV6 = addrList(n).some(a => a.includes(':'));
    const v = ctx.d.pick([67, 0, 65536, 70000, 1500.5, '1500', 1279, 68, 65535, 1280] as const);
    n.mtu = v;
    const invalid = typeof v === 'string' || !Number.isInteger(v) || v < 68 || v > 65535 || (hasV6 && v < 1280);
    return { label: `mtu-${v}${hasV6 ? '-v6' : ''}`, invalid, path: invalid ? P(i) : undefined };
  },
  // addresses
  ctx => {
    const hit = freeNic(ctx, n => isStatic(n));
    if (!hit) return undefined;
    const [n, i] = hit;
    const a = parsedFirst(n);
    const how = ctx.d.pick(['network', 'broadcast', 'no-prefix', 'syntax', 'duplicate', 'mode-dhcp', 'mode-none-dns', 'static-empty'] as const);
    const { network, broadcast } = networkAndBroadcast(a.ip, a.prefix);
    switch (how) {
      case 'network':
        if (a.prefix >= (a.family === 4 ? 31 : 127)) return undefined;
        setFirstAddress(n, `${network}/${a.prefix}`);
        break;
      case 'broadcast':
        if (a.family === 6 || a.prefix >= 31) return undefined;
        setFirstAddress(n, `${broadcast}/${a.prefix}`);
        break;
      case 'no-prefix': setFirstAddress(n, a.ip); break;
      case 'syntax':
        setFirstAddress(n, ctx.d.pick(a.family === 4 ? ['10.1.0.300/24', '10.1.0.5/33', '10.1.5/24', ' 10.1.0.5/24', '010.1.0.5/24', '10.1.0.5/-1']
          : ['fd00::g/64', 'fd00:::1/64', 'fd00::1/129', 'fd00::1%eth0/64', '[fd00::1]/64']));
        break;
      case 'duplicate': n.ipConfig.addresses = [...(n.ipConfig.addresses ?? []), addrList(n)[0]]; break;
      case 'mode-dhcp': n.ipConfig.mode = ctx.d.pick(['dhcp', 'none']); break;
      case 'mode-none-dns': n.ipConfig = { mode: 'none', dnsServers: ['10.0.0.53'] }; delete n.routes; break;
      case 'static-empty': n.ipConfig = { mode: 'static' }; delete n.routes; break;
    }
    return { label: `address-${how}`, invalid: true, path: P(i) };
  },
  // gateways
  ctx => {
    const hit = freeNic(ctx, n => isStatic(n) && typeOf(n) !== 'kube-ovn');
    if (!hit) return undefined;
    const [n, i] = hit;
    const a = parsedFirst(n);
    const how = ctx.d.pick(['outside', 'own', 'network', 'not-ip', 'dhcp', 'gateway6-v4'] as const);
    const { network } = networkAndBroadcast(a.ip, a.prefix);
    switch (how) {
      case 'outside': n.ipConfig.gateway = a.family === 4 ? '203.0.113.1' : '2001:db8:dead::1'; delete n.ipConfig.gateway6; break;
      case 'own': n.ipConfig.gateway = a.ip; delete n.ipConfig.gateway6; break;
      case 'network':
        if (a.prefix >= (a.family === 4 ? 31 : 127)) return undefined;
        n.ipConfig.gateway = network;
        delete n.ipConfig.gateway6;
        break;
      case 'not-ip': n.ipConfig.gateway = ctx.d.pick(['gateway', '10.0.0', '10.0.0.1/24', '']); break;
      case 'dhcp': n.ipConfig = { mode: 'dhcp', gateway: '10.0.0.1' }; delete n.routes; break;
      case 'gateway6-v4':
        if (a.family !== 4) return undefined;
        // IPv4 in gateway6: "is IPv4", or the own address, or (next to an IPv6 gateway) "already IPv6".
        n.ipConfig.gateway6 = n.ipConfig.gateway ?? a.ip;
        break;
    }
    if (n.ipConfig.delivery === 'cni-ipam' && how === 'dhcp') delete n.ipConfig.delivery;
    return { label: `gateway-${how}`, invalid: true, path: P(i) };
  },
  // routes
  ctx => {
    const primary = ctx.base.primary;
    const how = ctx.d.pick(['default-non-primary', 'default-with-gateway', 'metric', 'unreachable', 'family', 'host-bits', 'no-gateway',
      'duplicate', 'not-list', 'no-destination', 'on-mode-none', 'unknown-field'] as const);
    const hit = freeNic(ctx, (n, i) => {
      switch (how) {
        case 'default-non-primary': return i !== primary && n.ipConfig?.mode !== 'none';
        case 'default-with-gateway': return i === primary && typeof n.ipConfig?.gateway === 'string' && !n.ipConfig.gateway.includes(':');
        case 'unreachable': return isStatic(n) && addrList(n).some(x => !x.includes(':'));
        case 'duplicate': return Array.isArray(n.routes) && n.routes.length > 0;
        case 'on-mode-none': return n.ipConfig?.mode === 'none';
        default: return true;
      }
    });
    if (!hit) return undefined;
    const [n, i] = hit;
    const list: Json[] = n.routes ?? [];
    const gw4 = isStatic(n) ? undefined : '10.99.0.1';
    const anyGw = gw4 ?? '10.99.0.1';
    switch (how) {
      case 'default-non-primary': list.push({ destination: ctx.d.pick(['0.0.0.0/0', '::/0']), gateway: anyGw }); break;
      case 'default-with-gateway': list.push({ destination: '0.0.0.0/0', gateway: n.ipConfig.gateway }); break;
      case 'metric': list.push({ destination: '198.51.100.0/24', gateway: anyGw, metric: ctx.d.pick([-1, METRIC_MAX + 1, 1.5, '100']) }); break;
      case 'unreachable': list.push({ destination: '198.51.100.0/24', gateway: '203.0.113.1' }); break;
      case 'family': list.push({ destination: '198.51.100.0/24', gateway: 'fd00::1' }); break;
      case 'host-bits': list.push({ destination: '198.51.100.7/24', gateway: anyGw }); break;
      case 'no-gateway': list.push({ destination: '198.51.100.0/24' }); break;
      case 'duplicate': list.push({ ...list[0] }); break;
      case 'not-list': n.routes = '198.51.100.0/24 via 10.0.0.1'; return { label: 'route-not-list', invalid: true, path: P(i) };
      case 'no-destination': list.push({ gateway: anyGw }); break;
      case 'on-mode-none': list.push({ destination: '198.51.100.0/24', gateway: '10.99.0.1' }); break;
      case 'unknown-field': list.push({ destination: '198.51.100.0/24', gateway: anyGw, via: anyGw }); break;
    }
    n.routes = list;
    return { label: `route-${how}`, invalid: true, path: P(i) };
  },
  // priority
  ctx => {
    const hit = freeNic(ctx);
    if (!hit) return undefined;
    const v = ctx.d.pick([-1, 1.5, 1_000_001, 'high', 0, 1_000_000] as const);
    hit[0].priority = v;
    const invalid = v !== 0 && v !== 1_000_000;
    return { label: `priority-${v}`, invalid, path: invalid ? P(hit[1]) : undefined };
  },
  // MACs
  ctx => {
    const hit = freeNic(ctx);
    if (!hit) return undefined;
    const [n, i] = hit;
    const v = ctx.d.pick(['01:00:5e:00:00:01', '03:11:22:33:44:55', 'FF:FF:FF:FF:FF:FF', '02:00:00:00:00', '02-00-00-00-00-01', 'zz:00:00:00:00:01',
      '0200.0000.0001', '00:00:00:00:00:00', 2001122334455, '02:00:00:00:00:01:02', '02:AB:cd:00:00:01'] as const);
    n.macAddress = v;
    const invalid = v !== '02:AB:cd:00:00:01';
    return { label: `mac-${v}`, invalid, path: invalid ? P(i) : undefined };
  },
  ctx => {
    // Derived MACs depend on the VM's name and namespace: keep them.
    if (ctx.touched.has('meta')) return undefined;
    const nics = nicsOf(ctx.spec);
    const hit = freeNic(ctx);
    if (!hit) return undefined;
    ctx.touched.add('meta');
    const [n, i] = hit;
    const meta = ctx.meta;
    const macOf = (x: Json) => (typeof x.macAddress === 'string' ? x.macAddress : deriveMac(meta.namespace ?? 'default', meta.name, x.name));
    const others = nics.map((x, j) => [x, j] as [Json, number]).filter(([x, j]) => j !== i && x && !ctx.touched.has(j));
    if (others.length && ctx.d.chance(0.7)) {
      const [o, j] = ctx.d.pick(others);
      ctx.touched.add(j);
      n.macAddress = macOf(o).toUpperCase();
      return { label: 'mac-duplicate', invalid: true, path: P(Math.max(i, j)) };
    }
    if (ctx.base.podName === undefined || ctx.touched.has('pod')) return undefined;
    ctx.touched.add('pod');
    const pod = ctx.spec.podNetwork;
    n.macAddress = typeof pod?.macAddress === 'string' ? pod.macAddress : deriveMac(meta.namespace ?? 'default', meta.name, ctx.base.podName);
    return { label: 'mac-duplicate-pod', invalid: true, path: P(i) };
  },
  // type-specific fields
  ctx => {
    const how = ctx.d.pick(['bridgeName-type', 'bridgeName-long', 'master-type', 'master-long', 'resourceName', 'cniVersion', 'cniVersion-macvtap'] as const);
    const hit = freeNic(ctx, n => {
      const t = typeOf(n);
      switch (how) {
        case 'bridgeName-type': return t !== 'bridge' && t !== 'ovs';
        case 'bridgeName-long': return (t === 'bridge' || t === 'ovs') && n.nadName === undefined;
        case 'master-type': return t !== 'macvlan';
        case 'master-long': return t === 'macvlan' && n.nadName === undefined;
        case 'cniVersion-macvtap': return t === 'macvlan';
        default: return true;
      }
    });
    if (!hit) return undefined;
    const [n, i] = hit;
    switch (how) {
      case 'bridgeName-type': n.bridgeName = 'br0'; break;
      case 'bridgeName-long': n.bridgeName = ctx.d.pick(['br-0123456789abc', 'br 0', 'br/0']); break;
      case 'master-type': n.master = 'eth1'; break;
      case 'master-long': n.master = 'enp0s31f6abcdefg'; break;
      case 'resourceName': n.resourceName = ctx.d.pick(['sriov', 'intel.com/', '/x', 'a b/c', 'intel.com/a/b']); break;
      case 'cniVersion': n.cniVersion = ctx.d.pick(['0.2.0', 'latest', '2.0', '']); break;
      case 'cniVersion-macvtap': n.cniVersion = ctx.d.pick(['1.0.0', '1.1.0']); break;
    }
    return { label: how, invalid: true, path: P(i) };
  },
  // cni-ipam
  ctx => {
    const how = ctx.d.pick(['type', 'v6', 'two', 'both-v6', 'dhcp', 'nadName'] as const);
    const hit = freeNic(ctx, n => {
      const t = typeOf(n);
      if (how === 'type') return t !== 'bridge' && t !== 'ovs';
      if (how === 'nadName') return t === 'bridge' || t === 'ovs';
      return (t === 'bridge' || t === 'ovs') && n.nadName === undefined;
    });
    if (!hit) return undefined;
    const [n, i] = hit;
    const slot = 240 + i;
    switch (how) {
      case 'type': n.ipConfig = { ...(n.ipConfig ?? {}), delivery: 'cni-ipam' }; break;
      case 'v6': n.ipConfig = { address: `fd00:${slot.toString(16)}::5/64`, gateway: `fd00:${slot.toString(16)}::1`, delivery: 'cni-ipam' }; delete n.routes; break;
      case 'two': n.ipConfig = { addresses: [`10.${slot}.0.5/24`, `10.${slot}.0.6/24`], gateway: `10.${slot}.0.1`, delivery: 'cni-ipam' }; delete n.routes; break;
      case 'both-v6': n.ipConfig = { address: `fd00:${slot.toString(16)}::5/64`, delivery: 'both' }; delete n.routes; break;
      case 'dhcp': n.ipConfig = { mode: 'dhcp', delivery: 'cni-ipam' }; delete n.routes; break;
      case 'nadName': n.ipConfig = { address: `10.${slot}.0.5/24`, gateway: `10.${slot}.0.1`, delivery: 'cni-ipam' }; n.nadName = 'ext-ipam'; delete n.routes; break;
    }
    return { label: `cni-ipam-${how}`, invalid: true, path: P(i) };
  },
  // nadName
  ctx => {
    const hit = freeNic(ctx);
    if (!hit) return undefined;
    hit[0].nadName = ctx.d.pick(['Bad_Name', 'ns/Bad', 'a/b/c', '', 'x'.repeat(64), 'Ns/net']);
    return { label: 'nadName-bad', invalid: true, path: P(hit[1]) };
  },
  // wrong JS types and unknown fields, as YAML produces them
  ctx => {
    const hit = freeNic(ctx);
    if (!hit) return undefined;
    const [n, i] = hit;
    const how = ctx.d.pick(['vlanId-string', 'mtu-string', 'priority-string', 'ipConfig-list', 'addresses-string', 'dns-string', 'mac-number',
      'type-number', 'subnet-string', 'subnet-empty', 'unknown-nic', 'unknown-ipConfig', 'unknown-subnet', 'search-number'] as const);
    switch (how) {
      case 'vlanId-string': n.vlanId = '100'; break;
      case 'mtu-string': n.mtu = '9000'; break;
      case 'priority-string': n.priority = 'high'; break;
      case 'ipConfig-list': n.ipConfig = [{ address: '10.0.0.5/24' }]; delete n.routes; break;
      case 'addresses-string': n.ipConfig = { ...(n.ipConfig ?? {}), addresses: '10.0.0.5/24' }; break;
      case 'dns-string': n.ipConfig = { ...(n.ipConfig ?? {}), dnsServers: '10.0.0.53' }; break;
      case 'mac-number': n.macAddress = 21122334455; break;
      case 'type-number': n.type = 1; break;
      case 'subnet-string': n.subnet = '10.0.0.0/24'; break;
      case 'subnet-empty': n.subnet = { gateway: '10.0.0.1' }; break;
      case 'unknown-nic': n[ctx.d.pick(['vlan', 'ipconfig', 'macaddress', 'Name', 'mtU'])] = 1; break;
      case 'unknown-ipConfig': n.ipConfig = { ...(n.ipConfig ?? {}), gw: '10.0.0.1' }; break;
      case 'unknown-subnet': n.subnet = { ...(n.subnet ?? { cidrBlock: '10.250.0.0/24' }), cidr: '10.0.0.0/24' }; break;
      case 'search-number': n.ipConfig = { ...(n.ipConfig ?? {}), searchDomains: [42] }; break;
    }
    return { label: `type-${how}`, invalid: true, path: P(i) };
  },
  // null values: YAML's `~`, read as "not set"
  ctx => {
    const hit = freeNic(ctx);
    if (!hit) return undefined;
    const field = ctx.d.pick(['vlanId', 'mtu', 'priority', 'macAddress', 'cniVersion', 'routes'] as const);
    hit[0][field] = null;
    return { label: `null-${field}`, invalid: false };
  },
  // upper-case or expanded IPv6 spellings: valid
  ctx => {
    const hit = freeNic(ctx, n => addrList(n).some(a => a.includes(':')));
    if (!hit) return undefined;
    const n = hit[0];
    if (n.ipConfig.address?.includes(':')) n.ipConfig.address = n.ipConfig.address.toUpperCase();
    if (Array.isArray(n.ipConfig.addresses)) n.ipConfig.addresses = n.ipConfig.addresses.map((a: string) => (a.includes(':') ? a.toUpperCase() : a));
    return { label: 'v6-upper', invalid: false };
  },
];

/** Cannot be combined: they drop or re-rank whole NICs, which could hide another mutation's error. */
const EXCLUSIVE_MUTATORS: Mutator[] = [
  ctx => {
    const nics = nicsOf(ctx.spec);
    if (nics.length < 2) return undefined;
    const [i, j] = ctx.d.distinct(0, nics.length - 1, 2).sort((a, b) => a - b);
    nics[i].primary = true;
    nics[j].primary = true;
    return { label: 'primary-two', invalid: true, path: `${P(j)}.primary` };
  },
  ctx => {
    const nics = nicsOf(ctx.spec);
    if (!nics.length || ctx.base.podName === undefined) return undefined;
    const j = ctx.d.int(0, nics.length - 1);
    nics[j].primary = true;
    ctx.spec.podNetwork = { ...(ctx.spec.podNetwork ?? {}), primary: true };
    return { label: 'primary-pod-and-nic', invalid: true, path: `${P(j)}.primary` };
  },
  ctx => {
    for (const n of nicsOf(ctx.spec)) n.primary = ctx.d.chance(0.5) ? false : undefined;
    return { label: 'primary-shuffled', invalid: false };
  },
  ctx => {
    const nics: unknown[] = nicsOf(ctx.spec);
    if (!nics.length) return undefined;
    const i = ctx.d.int(0, nics.length - 1);
    const nic = nics[i] as Json;
    const how = ctx.d.pick(['null', 'string', 'list', 'name-number', 'name-missing', 'primary-string'] as const);
    if (how === 'null') nics[i] = null;
    else if (how === 'string') nics[i] = 'eth0';
    else if (how === 'list') nics[i] = [nics[i]];
    else if (how === 'name-number') nic.name = 42;
    else if (how === 'name-missing') delete nic.name;
    else nic.primary = 'yes';
    return { label: `nic-${how}`, invalid: true, path: P(i) };
  },
  ctx => {
    const v = ctx.d.pick([{}, 'eth0', 42, null] as const);
    ctx.spec.networks = v;
    return { label: `networks-${v === null ? 'null' : typeof v}`, invalid: v !== null, path: v !== null ? 'networks' : undefined };
  },
];

const SPEC_MUTATORS: Mutator[] = [
  ctx => {
    const [field, values, valid] = ctx.d.pick([
      ['cpu', [0, 1.5, 2000, -1, '2'], []],
      ['memory', ['lots', '32Mi', '', 4, '1 Gi'], []],
      ['image', ['', 'a b', 5], []],
      ['runStrategy', ['Sometimes', 'always', ''], []],
      ['networkDataDelivery', ['configmap', 'inline'], ['inline']],
      ['onMissingMultus', ['ignore', true], []],
      ['userData', [42, ['#cloud-config']], []],
    ] as Array<[string, unknown[], unknown[]]>);
    if (ctx.touched.has(field)) return undefined;
    ctx.touched.add(field);
    const v = ctx.d.pick(values);
    ctx.spec[field] = v;
    const invalid = !valid.includes(v);
    return { label: `spec-${field}-${JSON.stringify(v)}`, invalid, path: invalid ? field : undefined };
  },
  ctx => {
    const key = ctx.d.pick(['network', 'cpus', 'nics', 'Networks', 'podnetwork']);
    if (ctx.touched.has(key)) return undefined;
    ctx.touched.add(key);
    ctx.spec[key] = [];
    return { label: 'spec-unknown-field', invalid: true, path: key };
  },
  ctx => {
    if (ctx.touched.has('pod')) return undefined;
    ctx.touched.add('pod');
    const enabled = ctx.base.podName !== undefined;
    const pod = (ctx.spec.podNetwork = { ...(ctx.spec.podNetwork ?? {}) });
    const how = ctx.d.pick(['name', 'enabled-string', 'unknown', 'mac', 'default-route', 'priority', 'route-metric'] as const);
    switch (how) {
      case 'name': pod.name = ctx.d.pick(['Pod_Net', '', 'default-', 'x'.repeat(64)]); return enabled ? { label: 'pod-name', invalid: true, path: 'podNetwork' } : undefined;
      case 'enabled-string': pod.enabled = 'no'; return { label: 'pod-enabled-string', invalid: true, path: 'podNetwork' };
      case 'unknown': pod.primaryNic = true; return { label: 'pod-unknown', invalid: true, path: 'podNetwork' };
      case 'mac': pod.macAddress = '01:00:00:00:00:01'; return enabled ? { label: 'pod-mac', invalid: true, path: 'podNetwork' } : undefined;
      case 'default-route':
        if (ctx.base.primary === -1 || !enabled) return undefined;
        pod.routes = [...(pod.routes ?? []), { destination: '0.0.0.0/0', gateway: '10.0.2.1' }];
        return { label: 'pod-default-route', invalid: true, path: 'podNetwork' };
      case 'priority': pod.priority = ctx.d.pick([-5, 1.5, 1_000_001]); return enabled ? { label: 'pod-priority', invalid: true, path: 'podNetwork' } : undefined;
      case 'route-metric':
        if (!enabled) return undefined;
        pod.routes = [...(pod.routes ?? []), { destination: '198.51.100.0/24', gateway: '10.0.2.1', metric: -3 }];
        return { label: 'pod-route-metric', invalid: true, path: 'podNetwork' };
    }
  },
  ctx => {
    if (ctx.touched.has('meta')) return undefined;
    ctx.touched.add('meta');
    const how = ctx.d.pick(['long', 'upper', 'empty', 'namespace', 'number', 'nad-too-long'] as const);
    switch (how) {
      case 'long': ctx.meta.name = `vm-${'x'.repeat(61)}`; return { label: 'meta-name-long', invalid: true, path: 'name' };
      case 'upper': ctx.meta.name = 'Web1'; return { label: 'meta-name-upper', invalid: true, path: 'name' };
      case 'empty': ctx.meta.name = ''; return { label: 'meta-name-empty', invalid: true, path: 'name' };
      case 'namespace': ctx.meta.namespace = ctx.d.pick(['Team_A', 'a.b', '-ns']); return { label: 'meta-namespace', invalid: true, path: 'namespace' };
      case 'number': ctx.meta.name = 5; return { label: 'meta-name-number', invalid: true, path: 'name' };
      case 'nad-too-long': {
        // Valid by itself; a NIC's derived NAD name `{vm}-{nic}-nad` then exceeds 63 characters.
        ctx.meta.name = `vm-${'a'.repeat(50)}`;
        const own = nicsOf(ctx.spec).findIndex(n => n && typeof n === 'object' && n.nadName === undefined && String(n.name).length >= 6);
        if (own >= 0 && !ctx.touched.has(own)) ctx.touched.add(own);
        else return { label: 'meta-name-50', invalid: false };
        return own >= 0 ? { label: 'meta-nad-too-long', invalid: true, path: P(own) } : { label: 'meta-name-50', invalid: false };
      }
    }
  },
];

export interface MixedCase {
  readonly meta: Json;
  readonly spec: Json;
  readonly mutations: Mutation[];
}

const META_NAMES = ['vm', 'web-1', 'db', 'a', 'x1-y2'];
const NAMESPACES = ['default', 'ns', 'team-a', 'k'];

/** A valid meta for a VM (name ≤ 20 characters, so derived NAD names stay below 63). */
export function validMeta(d: Draw): Meta {
  return { name: d.chance(0.6) ? d.pick(META_NAMES) : label(d, 20), namespace: d.pick(NAMESPACES) };
}

/** A valid spec, then (in two thirds of the cases) one to three mutations on distinct NICs or fields. */
export function mixedCase(d: Draw): MixedCase {
  const meta: Json = { ...validMeta(d) };
  const base = validSpec(d, { meta: meta as Meta });
  const spec: Json = structuredClone(base.spec);
  const mutations: Mutation[] = [];
  const ctx: MutationContext = { d, spec, meta, base, touched: new Set() };
  const how = d.weighted([[34, 'none'], [8, 'exclusive'], [58, 'some']] as const);
  if (how === 'exclusive') {
    const m = d.pick(EXCLUSIVE_MUTATORS)(ctx);
    if (m) mutations.push(m);
  } else if (how === 'some') {
    for (let k = d.int(1, 3), tries = 0; k > 0 && tries < 10; tries++) {
      const m = d.weighted([[3, NIC_MUTATORS], [1, SPEC_MUTATORS]] as const);
      const found = d.pick(m)(ctx);
      if (found) {
        mutations.push(found);
        k--;
      }
    }
  }
  return { meta, spec, mutations };
}

/** Prints a drawn value as JSON in counterexamples. */
export function printable<T extends object>(value: T): T {
  Object.defineProperty(value, fc.toStringMethod, { value: () => JSON.stringify(value), enumerable: false });
  return value;
}

export const mixedCaseArb: fc.Arbitrary<MixedCase> = fc.gen().map(g => printable(mixedCase(new Draw(g))));

// ---------------------------------------------------------------------------------------------------------------
// Plan pairs: two valid specs of one VM sharing NIC names.

export interface PlanPair {
  readonly old: Json;
  readonly new: Json;
  /** What happened to each NIC name: kept, changed (how), removed, added. */
  readonly story: string[];
}

function swapMac(d: Draw, nic: Json, slot: number): Json {
  return d.chance(0.2) && nic.macAddress !== undefined ? (({ macAddress: _drop, ...rest }) => rest)(nic) : { ...nic, macAddress: macFor(d, slot) };
}

/** Two valid specs of VM `meta`: NICs kept, removed, added, or changed in type, VLAN, MAC or IP; the primary kept or not. */
export function planPair(d: Draw, meta: Meta): PlanPair {
  const m = d.int(1, 9);
  const podEnabled = !d.chance(0.15);
  const podName = podEnabled ? d.weighted([[5, 'default'], [1, 'pod']] as const) : undefined;
  const names = nicNames(d, m, podName ? [podName] : ['default']);
  const story: string[] = [];
  const oldNics: Json[] = [];
  const newNics: Json[] = [];
  names.forEach((name, slot) => {
    const where = d.weighted([[6, 'both'], [2, 'old'], [2, 'new']] as const);
    const v1 = validNic(d, slot, name, false, { meta });
    if (where === 'old') {
      oldNics.push(v1);
      story.push(`${name}: removed`);
      return;
    }
    if (where === 'new') {
      newNics.push(v1);
      story.push(`${name}: added`);
      return;
    }
    const change = d.weighted([[5, 'keep'], [2, 'vlan'], [2, 'mac'], [2, 'ip'], [2, 'type'], [1, 'nad'], [1, 'all']] as const);
    let v2: Json = v1;
    const type = typeOf(v1);
    switch (change) {
      case 'vlan':
        v2 = type === 'kube-ovn' ? v1 : v1.vlanId !== undefined && d.chance(0.3) ? (({ vlanId: _drop, ...rest }) => rest)(v1) : { ...v1, vlanId: d.int(1, 4094) };
        break;
      case 'mac': v2 = swapMac(d, v1, slot); break;
      case 'ip': v2 = { ...validNic(d, slot, name, false, { meta, type, external: v1.nadName !== undefined }), ...(v1.macAddress ? { macAddress: v1.macAddress } : {}) }; break;
      case 'type': v2 = validNic(d, slot, name, false, { meta, type: d.pick(TYPES.map(([, t]) => t).filter(t => t !== type)) }); break;
      case 'nad': v2 = { ...v1, nadName: d.pick([`other-${slot}`, 'shared-nets/other']) }; delete v2.bridgeName; delete v2.subnet; break;
      case 'all': v2 = validNic(d, slot, name, false, { meta }); break;
      default: break;
    }
    // A NIC moved to an existing NAD: cni-ipam needs a NAD of its own.
    if (change === 'nad' && v2.ipConfig?.delivery === 'cni-ipam') v2.ipConfig = { ...v2.ipConfig, delivery: 'network-data' };
    if (change === 'nad' && typeOf(v2) === 'sriov' && v2.resourceName === undefined) v2.resourceName = RESOURCES[0];
    oldNics.push(v1);
    newNics.push(v2);
    story.push(`${name}: ${change}`);
  });
  const placePrimary = (nics: Json[], want?: string): string | undefined => {
    const how = d.weighted([[3, 'implicit'], [3, 'explicit'], [1, 'pod']] as const);
    if (how === 'pod' && podEnabled) return undefined;
    if (how === 'explicit' && nics.length) {
      const i = want && nics.some(n => n.name === want) && d.chance(0.8) ? nics.findIndex(n => n.name === want) : d.int(0, nics.length - 1);
      nics[i] = { ...nics[i], primary: true };
      return nics[i].name;
    }
    return nics[0]?.name;
  };
  const newOrder = d.chance(0.3) ? d.shuffle(newNics) : newNics;
  const oldPrimary = placePrimary(oldNics);
  const podPrimaryOld = podEnabled && !oldNics.some(n => n.primary) && (oldNics.length === 0 || d.chance(0.1));
  placePrimary(newOrder, oldPrimary);
  const podPrimaryNew = podEnabled && !newOrder.some(n => n.primary) && (newOrder.length === 0 || (podPrimaryOld ? d.chance(0.8) : d.chance(0.1)));
  const podNewEnabled = podEnabled ? !d.chance(0.08) : d.chance(0.1);
  const pod = (enabled: boolean, primary: boolean): Json | undefined => {
    if (!enabled) return { enabled: false };
    const p = compact({ name: podName && podName !== 'default' ? podName : undefined, primary: primary || undefined });
    return Object.keys(p).length ? p : undefined;
  };
  const fields = () => machineFields(d, 3, { inline: false });
  const oldFields = fields();
  const newFields = d.chance(0.6) ? oldFields : fields();
  const old = compact({ ...oldFields, networks: oldNics, podNetwork: pod(podEnabled, podPrimaryOld) });
  const next = compact({ ...newFields, networks: newOrder, podNetwork: pod(podNewEnabled, podNewEnabled && podPrimaryNew) });
  if (podEnabled !== podNewEnabled) story.push(`pod: ${podNewEnabled ? 'added' : 'removed'}`);
  return { old, new: next, story };
}

export function planPairArb(meta: Meta): fc.Arbitrary<PlanPair> {
  return fc.gen().map(g => printable(planPair(new Draw(g), meta)));
}
