/**
 * Kube-OVN attachments: the Subnet in the normalized form kube-ovn-controller writes back (so it never shows up as
 * drift), and the per-VM fixed IP/MAC annotations. Normalization mirrors kube-ovn pkg/controller/subnet.go
 * `formatSubnet`, `checkAndUpdateGateway`, `checkAndUpdateExcludeIps`, `checkAndFormatsExcludeIPs` (v1.16).
 */
import { Cidr, Ip, cidrContains, hasHostBits, ipRange, ipToBigInt, isReservedInSubnet, nthAddress, parseCidr, parseIp } from './ip';
import { dns1123LabelProblem, kubeOvnProvider } from './names';
import { ResolvedSubnet } from '../resolve/resolved';
import { IssueCollector, fieldPath, show } from '../spec/issues';
import { present } from '../spec/shape';
import { SubnetConfig } from '../spec/types';

/** VPC of OVN subnets that name none. */
export const DEFAULT_VPC = 'ovn-cluster';

const FORBIDDEN_RANGES = ['loopback', 'multicast', 'linkLocal', 'unspecified', 'broadcast'];

interface Range {
  readonly start: Ip;
  readonly end: Ip;
}

function rangeText(r: Range): string {
  return r.start.text === r.end.text ? r.start.text : `${r.start.text}..${r.end.text}`;
}

function parseCidrBlock(cidrBlock: string, path: string, issues: IssueCollector): Cidr[] | undefined {
  const parts = cidrBlock.split(',');
  const cidrs: Cidr[] = [];
  for (const part of parts) {
    const cidr = parseCidr(part);
    if (!cidr) {
      issues.error(path, `${show(part)} is not a CIDR; write it like '172.17.0.0/16' or a dual-stack pair 'v4cidr,v6cidr'`);
      return undefined;
    }
    if (hasHostBits(cidr)) {
      issues.error(path, `${show(part)} has host bits set; write the network address '${cidr.network}'`);
      return undefined;
    }
    if (cidr.prefix === (cidr.family === 4 ? 32 : 128)) {
      issues.error(path, `${show(part)} holds a single address; Kube-OVN rejects /32 and /128 subnets, use a shorter prefix`);
      return undefined;
    }
    const range = ipRange(cidr.ip);
    if (FORBIDDEN_RANGES.includes(range)) {
      issues.error(path, `${show(part)} lies in the ${range} range, which Kube-OVN rejects; pick a unicast network`);
      return undefined;
    }
    cidrs.push(cidr);
  }
  if (cidrs.length > 2 || (cidrs.length === 2 && cidrs[0].family === cidrs[1].family)) {
    issues.error(path, `${show(cidrBlock)} must be one CIDR or one IPv4 and one IPv6 CIDR separated by ','`);
    return undefined;
  }
  return cidrs;
}

function resolveGateways(cfg: SubnetConfig, cidrs: Cidr[], path: string, issues: IssueCollector): Ip[] | undefined {
  if (cfg.gateway === undefined) return cidrs.map(c => nthAddress(c, 1));
  const parts = cfg.gateway.split(',');
  if (parts.length !== cidrs.length) {
    issues.error(fieldPath(path, 'gateway'), `${show(cfg.gateway)} must name one gateway per CIDR of cidrBlock, in the same order`);
    return undefined;
  }
  const gateways: Ip[] = [];
  for (let i = 0; i < parts.length; i++) {
    const gw = parseIp(parts[i]);
    if (!gw) {
      issues.error(fieldPath(path, 'gateway'), `${show(parts[i])} is not an IP address`);
      return undefined;
    }
    if (!cidrContains(cidrs[i], gw) || isReservedInSubnet(cidrs[i], gw)) {
      issues.error(fieldPath(path, 'gateway'), `${show(gw.text)} is not a usable address of ${cidrs[i].network}; pick a host address inside it`);
      return undefined;
    }
    gateways.push(gw);
  }
  return gateways;
}

function parseExcludeIps(cfg: SubnetConfig, cidrs: Cidr[], path: string, issues: IssueCollector): Range[] {
  const ranges: Range[] = [];
  for (const [entry, i] of present(cfg.excludeIps)) {
    const at = fieldPath(path, `excludeIps[${i}]`);
    const ends = entry.split('..');
    const start = parseIp(ends[0]);
    const end = ends.length === 2 ? parseIp(ends[1]) : start;
    if (ends.length > 2 || !start || !end) {
      issues.error(at, `${show(entry)} is neither an IP nor a range 'a..b'`);
      continue;
    }
    if (start.family !== end.family || ipToBigInt(start) > ipToBigInt(end)) {
      issues.error(at, `${show(entry)} must run from a lower to a higher address of the same family`);
      continue;
    }
    if (!cidrs.some(c => cidrContains(c, start) && cidrContains(c, end))) {
      issues.error(at, `${show(entry)} is outside cidrBlock ${cidrs.map(c => c.network).join(',')}; keep excluded addresses inside the subnet`);
      continue;
    }
    ranges.push({ start, end });
  }
  return ranges;
}

/** Merges overlapping ranges, adds the gateways, and sorts as text: what kube-ovn-controller writes back. */
export function normalizeExcludeIps(ranges: Range[], gateways: Ip[]): string[] {
  const sorted = [...ranges].sort((a, b) => (a.start.family - b.start.family) || Number(ipToBigInt(a.start) - ipToBigInt(b.start)));
  const merged: Range[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.start.family === r.start.family && ipToBigInt(r.start) <= ipToBigInt(last.end)) {
      if (ipToBigInt(r.end) > ipToBigInt(last.end)) merged[merged.length - 1] = { start: last.start, end: r.end };
    } else {
      merged.push(r);
    }
  }
  for (const gw of gateways) {
    const covered = merged.some(r => r.start.family === gw.family && ipToBigInt(r.start) <= ipToBigInt(gw) && ipToBigInt(gw) <= ipToBigInt(r.end));
    if (!covered) merged.push({ start: gw, end: gw });
  }
  return merged.map(rangeText).sort();
}

/** True when `ip` is covered by one of the normalized excludeIps entries. */
export function isExcluded(excludeIps: string[], ip: Ip): boolean {
  return excludeIps.some(entry => {
    const [a, b] = entry.split('..');
    const start = parseIp(a);
    const end = parseIp(b ?? a);
    return !!start && !!end && start.family === ip.family && ipToBigInt(start) <= ipToBigInt(ip) && ipToBigInt(ip) <= ipToBigInt(end);
  });
}

/**
 * Validates a kube-ovn NIC's subnet and returns it normalized, or undefined when it has errors (reported to `issues`).
 * `path` is the field path of the `subnet` object.
 */
export function resolveSubnet(
  cfg: SubnetConfig, nadName: string, namespace: string, path: string, issues: IssueCollector,
): ResolvedSubnet | undefined {
  const provider = kubeOvnProvider(nadName, namespace);
  const name = cfg.name ?? nadName;
  const vpc = cfg.vpc ?? DEFAULT_VPC;
  let ok = true;
  if (cfg.provider !== undefined && cfg.provider !== provider) {
    issues.error(fieldPath(path, 'provider'), `${show(cfg.provider)} does not match the NAD; Kube-OVN finds the subnet by provider '${provider}' (<nad>.<namespace>.ovn), so remove the field or set it to that`);
    ok = false;
  }
  const nameProblem = dns1123LabelProblem(name);
  if (nameProblem) {
    issues.error(fieldPath(path, 'name'), `${show(name)} ${nameProblem}`);
    ok = false;
  } else if (name === vpc) {
    issues.error(fieldPath(path, 'name'), `${show(name)} equals the VPC name; Kube-OVN rejects a subnet named after its VPC, rename it`);
    ok = false;
  }
  if (cfg.mtu !== undefined && !(Number.isInteger(cfg.mtu) && cfg.mtu >= 68 && cfg.mtu <= 65535)) {
    issues.error(fieldPath(path, 'mtu'), `${show(cfg.mtu)} is out of range 68..65535`);
    ok = false;
  }
  const cidrs = parseCidrBlock(cfg.cidrBlock, fieldPath(path, 'cidrBlock'), issues);
  if (!cidrs) return undefined;
  const gateways = resolveGateways(cfg, cidrs, path, issues);
  const ranges = parseExcludeIps(cfg, cidrs, path, issues);
  if (!gateways || !ok || issues.errors.some(e => e.path.startsWith(fieldPath(path, 'excludeIps')))) return undefined;
  const protocol = cidrs.length === 2 ? 'Dual' : cidrs[0].family === 4 ? 'IPv4' : 'IPv6';
  return {
    name,
    cidrs,
    spec: {
      protocol,
      cidrBlock: cidrs.map(c => c.network).join(','),
      gateway: gateways.map(g => g.text).join(','),
      excludeIps: normalizeExcludeIps(ranges, gateways),
      provider,
      vpc,
      gatewayType: 'distributed',
      enableLb: true,
      vlan: cfg.vlan,
      mtu: cfg.mtu,
      natOutgoing: cfg.natOutgoing,
      private: cfg.private,
    },
  };
}

/**
 * Template annotations that fix a kube-ovn NIC's IP and MAC (Kube-OVN static-ip docs): `<provider>.kubernetes.io/...`,
 * or the per-interface `<nad>.<ns>.kubernetes.io/...<podIfName>` keys when the same NAD is attached more than once.
 */
export function kubeOvnAnnotations(provider: string, ips: string[], mac: string, podIfName?: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (podIfName) {
    const prefix = provider.replace(/\.ovn$/, '');
    if (ips.length) out[`${prefix}.kubernetes.io/ip_address.${podIfName}`] = ips.join(',');
    out[`${prefix}.kubernetes.io/mac_address.${podIfName}`] = mac;
  } else {
    if (ips.length) out[`${provider}.kubernetes.io/ip_address`] = ips.join(',');
    out[`${provider}.kubernetes.io/mac_address`] = mac;
  }
  return out;
}
