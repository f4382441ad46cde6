/**
 * cloud-init network-config v2 for the guest, every NIC matched by its pinned MAC
 * (https://cloudinit.readthedocs.io/en/latest/reference/network-config-format-v2.html). Only NICs that never leave a
 * running guest are renamed (`set-name`); see canLeaveRunningGuest.
 *
 * Choices forced by cloud-init's own renderers (checked with `cloud-init devel net-convert`, 22.4.2):
 * - The IPv6 default route is written as `gateway6`: a `::/0` route comes out as `::/64` from the eni and sysconfig
 *   renderers.
 * - Route metrics survive only the netplan renderer; eni/sysconfig/NetworkManager drop v2 route metrics
 *   (canonical/cloud-init#4217). DHCP route metrics (`dhcp4-overrides.route-metric`) survive everywhere.
 * - Every string, NIC names as keys included, is double-quoted: cloud-init reads YAML 1.1, where an all-digit MAC like 02:11:22:33:44:55 is a
 *   base-60 number and a NIC called `on` is a boolean.
 */
import { Document, Scalar, YAMLMap } from 'yaml';
import { canLeaveRunningGuest } from '../net/addressing';
import { Cidr } from '../net/ip';
import { ResolvedNic, ResolvedVm } from '../resolve/resolved';

/**
 * cloud-init network configuration version 2 (netplan style): one `ethernets` entry per NIC, by name.
 * @see https://cloudinit.readthedocs.io/en/latest/reference/network-config-format-v2.html
 */
export interface NetworkDataV2 {
  readonly version: 2;
  readonly ethernets: Record<string, Record<string, unknown>>;
}

/** KubeVirt's limit for inline `networkData`/`userData` (vmi-create-admitter.go). */
export const INLINE_CLOUD_INIT_LIMIT = 2048;

/** True when the guest gets its IPv4 address by DHCP on this NIC. */
function usesDhcp4(nic: ResolvedNic): boolean {
  if (nic.ip.mode === 'none') return false;
  if (nic.ip.mode === 'dhcp' || nic.ip.delivery === 'cni-ipam') return true;
  // Kube-OVN: KubeVirt's bridge binding serves the pod's (annotated) IPv4 by DHCP.
  return nic.type === 'kube-ovn' && (nic.ip.addresses.some(a => a.family === 4) || nic.kubeOvn?.subnet?.spec.protocol !== 'IPv6');
}

/** Addresses the guest must configure itself (everything that no DHCP server hands out). */
function staticAddresses(nic: ResolvedNic): Cidr[] {
  if (nic.ip.mode !== 'static' || nic.ip.delivery === 'cni-ipam') return [];
  return nic.ip.addresses.filter(a => nic.type !== 'kube-ovn' || a.family === 6);
}

function ethernet(nic: ResolvedNic): Record<string, unknown> {
  const e: Record<string, unknown> = { match: { macaddress: nic.mac } };
  if (!canLeaveRunningGuest(nic)) e['set-name'] = nic.name;
  if (nic.mtu !== undefined) e.mtu = nic.mtu;
  if (usesDhcp4(nic)) {
    e.dhcp4 = true;
    e['dhcp4-overrides'] = nic.primary ? { 'route-metric': nic.metric } : { 'use-routes': false, 'route-metric': nic.metric };
  } else {
    e.dhcp4 = false;
  }
  const addresses = staticAddresses(nic);
  if (addresses.length) e.addresses = addresses.map(a => a.text);
  const routes: Array<Record<string, unknown>> = [];
  const gw4 = nic.ip.gateway4;
  const gw6 = nic.ip.gateway6;
  if (nic.primary && gw4 && addresses.some(a => a.family === 4)) routes.push({ to: '0.0.0.0/0', via: gw4.text, metric: nic.metric });
  if (nic.primary && gw6 && addresses.some(a => a.family === 6)) e.gateway6 = gw6.text;
  for (const r of nic.routes) routes.push({ to: r.destination.network, via: r.gateway?.text, metric: r.metric });
  if (routes.length) e.routes = routes;
  if (nic.ip.dnsServers.length || nic.ip.searchDomains.length) {
    e.nameservers = {
      ...(nic.ip.dnsServers.length ? { addresses: nic.ip.dnsServers } : {}),
      ...(nic.ip.searchDomains.length ? { search: nic.ip.searchDomains } : {}),
    };
  }
  return e;
}

/**
 * The v2 network config of a VM: one `ethernets` entry per NIC on the VM, ordered by rank (priority). A VM Wukong
 * attaches NICs to keeps its own network data, its entries first.
 */
export function buildNetworkData(vm: ResolvedVm): NetworkDataV2 {
  const ordered = vm.nics.filter(n => n.state !== 'absent').sort((a, b) => a.rank - b.rank);
  const own = vm.base?.networkData;
  return { ...own, version: 2, ethernets: { ...own?.ethernets, ...Object.fromEntries(ordered.map(n => [n.name, ethernet(n)])) } };
}

/** Serializes network data as YAML with every string value double-quoted (see the module comment). */
export function networkDataYaml(data: NetworkDataV2): string {
  return blockYaml(data) ?? documentYaml(data);
}

/** The general path: the `yaml` library, for anything `blockYaml` does not take. */
export function documentYaml(data: NetworkDataV2): string {
  const doc = new Document(data);
  // NIC names are keys under `ethernets`; quote them too, so a NIC called `on` stays a string for YAML 1.1.
  const ethernets = doc.get('ethernets', true) as YAMLMap<Scalar, unknown>;
  for (const pair of ethernets.items) pair.key.type = 'QUOTE_DOUBLE';
  return doc.toString({ defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Keys `yaml` writes plain and YAML 1.1 reads as strings. */
const PLAIN_KEY = /^[a-z][a-z0-9-]*$/;
const YAML11_WORDS = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null']);

/**
 * What `documentYaml` writes, byte for byte, built directly: the `yaml` library's document model costs more than the
 * rest of a VM's rendering, and a fleet renders thousands. Undefined for anything but printable-ASCII strings
 * (double-quoted; JSON's escaping is YAML's there), safe integers, booleans and non-empty maps and lists.
 */
export function blockYaml(data: NetworkDataV2): string | undefined {
  const { ethernets, ...top } = data;
  // One list of pieces joined once: this runs per VM, and per-level line arrays were most of rendering's garbage. Not
  // `+=` either: that leaves a rope of hundreds of cells, which the VM and its Secret would keep until synth.
  const out: string[] = [];
  if (!mapYaml(top, '', '', out)) return undefined;
  out.push('ethernets:\n');
  let empty = true;
  for (const name in ethernets) {
    empty = false;
    if (!PRINTABLE_ASCII.test(name)) return undefined;
    out.push(`  ${JSON.stringify(name)}:\n`);
    if (!mapYaml(ethernets[name], '    ', '    ', out)) return undefined;
  }
  return empty ? undefined : out.join('');
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return PRINTABLE_ASCII.test(v) ? JSON.stringify(v) : undefined;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * Appends the lines of a non-empty map to `out`, each ending in a newline, the first starting with `first` (`- ` in a
 * list) and the rest with `indent`; false for anything blockYaml does not take.
 */
function mapYaml(map: Record<string, unknown>, indent: string, first: string, out: string[]): boolean {
  let lead = first;
  let empty = true;
  for (const k in map) {
    const v = map[k];
    if (v === undefined) continue;
    if (!PLAIN_KEY.test(k) || YAML11_WORDS.has(k)) return false;
    const s = scalar(v);
    if (s !== undefined) {
      out.push(`${lead}${k}: ${s}\n`);
    } else if (Array.isArray(v)) {
      out.push(`${lead}${k}:\n`);
      if (!seqYaml(v, `${indent}  `, out)) return false;
    } else if (isMap(v)) {
      out.push(`${lead}${k}:\n`);
      if (!mapYaml(v, `${indent}  `, `${indent}  `, out)) return false;
    } else {
      return false;
    }
    lead = indent;
    empty = false;
  }
  return !empty;
}

function seqYaml(items: unknown[], indent: string, out: string[]): boolean {
  if (!items.length) return false;
  for (const item of items) {
    const s = scalar(item);
    if (s !== undefined) out.push(`${indent}- ${s}\n`);
    else if (!isMap(item) || !mapYaml(item, `${indent}  `, `${indent}- `, out)) return false;
  }
  return true;
}
