import { IpContext, resolveIpConfig, resolveRoutes } from './resolve-ip';
import { Binding, ResolvedIp, ResolvedNad, ResolvedNic, ResolvedRoute, ResolvedSubnet } from './resolved';
import {
  CNI_VERSIONS, MACVTAP_CNI_VERSIONS, bridgeCniConfig, kubeOvnCniConfig, macvtapCniConfig, macvtapResourceName, ovsCniConfig,
  sriovCniConfig, staticIpam,
} from '../net/cni-config';
import { cidrContains } from '../net/ip';
import { isExcluded, resolveSubnet } from '../net/kube-ovn';
import { deriveMac, isMulticastMac, normalizeMac } from '../net/mac';
import {
  KUBEVIRT_IFACE_NAME, defaultNadName, dns1123LabelProblem, kubeOvnProvider, linuxIfnameProblem, parseNadRef,
} from '../net/names';
import { IssueCollector, show } from '../spec/issues';
import { DEFAULT_MACVLAN_MASTER, NetworkConfig, NetworkType } from '../spec/types';

const RESOURCE_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Where a NIC sits among its VM's NICs; computed from all NICs before any one is resolved. */
export interface NicPlacement {
  readonly index: number;
  readonly primary: boolean;
  readonly rank: number;
  readonly metric: number;
}

/** What resolving a NIC needs from its VM: the VM's name and namespace, and where to report issues. */
export interface VmContext {
  readonly vmName: string;
  readonly namespace: string;
  readonly issues: IssueCollector;
  /** Path prefix of `networks` (`networks` for construct props, `spec.networks` for a Wukong object). */
  readonly networksPath: string;
}

export const BINDINGS: Record<NetworkType, Binding> = {
  'bridge': 'bridge',
  'ovs': 'bridge',
  'kube-ovn': 'bridge',
  'sriov': 'sriov',
  'macvlan': 'macvtap',
};

/** Validates a MAC given by the user, or derives one. */
export function resolveMac(given: string | undefined, at: string, namespace: string, vmName: string, nicName: string, issues: IssueCollector) {
  if (given === undefined) return { mac: deriveMac(namespace, vmName, nicName), macSource: 'derived' as const };
  const mac = normalizeMac(given);
  if (!mac) issues.error(at, `${show(given)} is not a MAC address; write six hex octets like '02:00:00:00:00:01'`);
  else if (isMulticastMac(mac)) issues.error(at, `${show(given)} is a multicast MAC; clear the lowest bit of the first octet (e.g. '02:...')`);
  else if (mac === '00:00:00:00:00:00') issues.error(at, `${show(given)} is the all-zero MAC; pick a unicast address`);
  return { mac: mac ?? deriveMac(namespace, vmName, nicName), macSource: 'given' as const };
}

function checkName(n: NetworkConfig, path: string, issues: IssueCollector): void {
  if (!KUBEVIRT_IFACE_NAME.test(n.name)) {
    issues.error(`${path}.name`, `${show(n.name)} may only hold letters, digits, '-' and '_' (KubeVirt interface names)`);
  }
  const problem = linuxIfnameProblem(n.name);
  if (problem) issues.error(`${path}.name`, `${show(n.name)} ${problem}; it becomes the guest interface name`);
  // JavaScript orders integer-like keys first and YAML reads them as numbers: the network data could not keep its order.
  if (/^\d+$/.test(n.name)) issues.error(`${path}.name`, `${show(n.name)} is all digits; give the NIC a name with a letter, e.g. 'net${n.name}'`);
}

export function checkInt(value: number | undefined, at: string, min: number, max: number, issues: IssueCollector): boolean {
  if (value === undefined) return true;
  if (Number.isInteger(value) && value >= min && value <= max) return true;
  issues.error(at, `${show(value)} is out of range ${min}..${max}`);
  return false;
}

function checkTypeFields(n: NetworkConfig, type: NetworkType, path: string, issues: IssueCollector): void {
  if (n.vlanId !== undefined && type === 'kube-ovn') {
    issues.error(`${path}.vlanId`, `${show(n.vlanId)} does not apply to kube-ovn NICs; set subnet.vlan to the name of a Kube-OVN Vlan object`);
  } else {
    checkInt(n.vlanId, `${path}.vlanId`, 1, 4094, issues);
  }
  if (n.bridgeName !== undefined && type !== 'bridge' && type !== 'ovs') {
    issues.error(`${path}.bridgeName`, `${show(n.bridgeName)} only applies to bridge and ovs NICs, not ${type}; remove it`);
  }
  if (n.master !== undefined && type !== 'macvlan') issues.error(`${path}.master`, `${show(n.master)} only applies to macvlan NICs, not ${type}; remove it`);
  if (n.subnet !== undefined && type !== 'kube-ovn') {
    issues.error(`${path}.subnet`, `${show(n.subnet.cidrBlock)} only applies to kube-ovn NICs, not ${type}; remove it`);
  }
  if (n.resourceName !== undefined && !RESOURCE_NAME.test(n.resourceName)) {
    issues.error(`${path}.resourceName`, `${show(n.resourceName)} is not a device-plugin resource like 'intel.com/sriov_netdevice'`);
  }
  if (type === 'sriov' && n.resourceName === undefined && n.nadName === undefined) {
    issues.error(`${path}.resourceName`, 'is required for sriov NICs: name the SR-IOV device-plugin pool, e.g. \'intel.com/sriov_netdevice\'');
  }
  if (n.cniVersion !== undefined) {
    const allowed = type === 'macvlan' ? MACVTAP_CNI_VERSIONS : CNI_VERSIONS;
    if (!allowed.includes(n.cniVersion)) {
      issues.error(`${path}.cniVersion`, `${show(n.cniVersion)} is not supported by the ${type === 'macvlan' ? 'macvtap' : type} plugin; use one of ${allowed.join(', ')}`);
    }
  }
}

function bridgeName(n: NetworkConfig, path: string, issues: IssueCollector): string {
  const name = n.bridgeName ?? `br-${n.name}`;
  const problem = linuxIfnameProblem(name);
  if (problem) {
    const field = n.bridgeName === undefined ? `${path}.name` : `${path}.bridgeName`;
    const what = n.bridgeName === undefined ? `the default bridge name ${show(name)}` : show(name);
    issues.error(field, `${what} ${problem}${n.bridgeName === undefined ? '; set bridgeName' : ''}`);
  }
  return name;
}

function macvlanLowerDevice(n: NetworkConfig, path: string, issues: IssueCollector): string {
  const master = n.master ?? DEFAULT_MACVLAN_MASTER;
  const lower = n.vlanId !== undefined ? `${master}.${n.vlanId}` : master;
  const problem = linuxIfnameProblem(lower);
  if (problem) issues.error(`${path}.master`, `lower device ${show(lower)} ${problem}`);
  return lower;
}

/** The CNI config a NIC's own NAD gets (with `ipam` when its address is served by KubeVirt); also MultiNic's shared NADs. */
export function nicCniConfig(n: NetworkConfig, nadName: string, namespace: string, ipam: Record<string, unknown> | undefined,
  path: string, issues: IssueCollector) {
  const type = n.type ?? 'bridge';
  const common = { name: nadName, cniVersion: n.cniVersion };
  let resourceName = n.resourceName;
  let config: Record<string, unknown>;
  switch (type) {
    case 'bridge':
      config = bridgeCniConfig({ ...common, bridge: bridgeName(n, path, issues), vlan: n.vlanId, mtu: n.mtu, ipam });
      break;
    case 'ovs':
      config = ovsCniConfig({ ...common, bridge: bridgeName(n, path, issues), vlan: n.vlanId, mtu: n.mtu, ipam });
      break;
    case 'sriov':
      config = sriovCniConfig({ ...common, vlan: n.vlanId });
      break;
    case 'macvlan':
      config = macvtapCniConfig({ ...common, mtu: n.mtu });
      resourceName = resourceName ?? macvtapResourceName(macvlanLowerDevice(n, path, issues));
      break;
    case 'kube-ovn':
      config = kubeOvnCniConfig({ ...common, provider: kubeOvnProvider(nadName, namespace) });
      break;
  }
  return { config, resourceName };
}

/**
 * The static IPAM of a NIC whose address KubeVirt's DHCP serves. KubeVirt reads the pod interface's first global IPv4
 * and its routes: the next hop of the first route is the DHCP router, the other non-local routes go out as classless
 * routes (kubevirt pkg/network/setup/netpod/discoverbridge.go). So only the primary NIC gets a default route here,
 * as in the network data; the NIC's IPv4 routes follow.
 */
function cniIpam(ip: ResolvedIp, primary: boolean, routes: readonly ResolvedRoute[]): Record<string, unknown> | undefined {
  if (ip.mode !== 'static' || (ip.delivery !== 'cni-ipam' && ip.delivery !== 'both')) return undefined;
  const v4 = ip.addresses.find(a => a.family === 4);
  if (!v4) return undefined;
  const ipamRoutes: Array<{ dst: string; gw: string }> = [];
  if (primary && ip.gateway4) ipamRoutes.push({ dst: '0.0.0.0/0', gw: ip.gateway4.text });
  for (const r of routes) if (r.destination.family === 4 && r.gateway) ipamRoutes.push({ dst: r.destination.network, gw: r.gateway.text });
  return staticIpam(v4.text, ipamRoutes);
}

const DELIVERY_NEEDS_OWN_NAD = { 'cni-ipam': 'only the static IPAM in the NIC\'s own NAD', 'both': 'the static IPAM in the NIC\'s own NAD' } as const;

function checkCniIpam(n: NetworkConfig, type: NetworkType, ip: ResolvedIp, place: NicPlacement, path: string, issues: IssueCollector): void {
  if (ip.delivery === 'network-data' || n.ipConfig?.delivery === undefined) return;
  const d = ip.delivery;
  const at = `${path}.ipConfig.delivery`;
  if (type !== 'bridge' && type !== 'ovs') issues.error(at, `'${d}' needs a bridge or ovs NIC, not ${type}; use 'network-data'`);
  if (n.nadName !== undefined) issues.error(at, `'${d}' puts ${DELIVERY_NEEDS_OWN_NAD[d]}, but nadName reuses a shared one; use 'network-data'`);
  if (ip.mode !== 'static') issues.error(at, `'${d}' needs mode 'static', not '${ip.mode}'`);
  if (d === 'cni-ipam' && (ip.addresses.length !== 1 || ip.addresses[0]?.family !== 4)) {
    issues.error(at, '\'cni-ipam\' carries exactly one IPv4 address; use \'both\' or \'network-data\' for IPv6 or several addresses');
  }
  const v4 = ip.addresses.find(a => a.family === 4);
  if (d === 'both' && ip.mode === 'static' && !v4) {
    issues.error(at, '\'both\' needs an IPv4 address (KubeVirt\'s DHCP serves IPv4 only); use \'network-data\'');
  }
  if (v4?.prefix === 32 && !(n.routes ?? []).length && !(place.primary && ip.gateway4)) {
    issues.error(at, `'${d}' with ${v4.text} gives the pod interface no route, and KubeVirt's bridge binding then fails the NIC ("no gateway address found in routes"); use a prefix below /32 or 'network-data'`);
  }
}

function checkKubeOvnIp(n: NetworkConfig, ip: ResolvedIp, subnet: ResolvedSubnet | undefined, path: string, issues: IssueCollector): void {
  if (ip.delivery === 'cni-ipam') return;
  if (!subnet) return;
  ip.addresses.forEach((a, i) => {
    const at = n.ipConfig?.address !== undefined && i === 0 ? `${path}.ipConfig.address` : `${path}.ipConfig.addresses[${n.ipConfig?.address !== undefined ? i - 1 : i}]`;
    const net = subnet.cidrs.find(c => c.family === a.family);
    if (!net || !cidrContains(net, a.ip)) {
      issues.error(at, `${show(a.text)} is outside subnet ${subnet.spec.cidrBlock}; pick an address inside it`);
    } else if (a.prefix !== net.prefix) {
      issues.error(at, `${show(a.text)} has prefix /${a.prefix} but subnet ${net.network} is /${net.prefix}; write ${a.ip.text}/${net.prefix}`);
    } else if (subnet.spec.gateway.split(',').includes(a.ip.text)) {
      issues.error(at, `${show(a.text)} is the subnet gateway; pick another address`);
    } else if (!isExcluded(subnet.spec.excludeIps, a.ip)) {
      issues.warn(at, `${a.ip.text} is not in subnet.excludeIps, so Kube-OVN may also hand it to another pod; add it (or its range) to excludeIps`);
    }
  });
  for (const gw of [ip.gateway4, ip.gateway6]) {
    if (gw && !subnet.spec.gateway.split(',').includes(gw.text)) {
      issues.error(`${path}.ipConfig.gateway`, `${show(gw.text)} differs from the subnet gateway ${subnet.spec.gateway}, which is what the guest gets by DHCP; use it or remove the field`);
    }
  }
}

function resolveNad(n: NetworkConfig, type: NetworkType, ctx: VmContext, ipam: Record<string, unknown> | undefined, path: string) {
  const { issues } = ctx;
  let nad: ResolvedNad;
  if (n.nadName !== undefined) {
    const ref = parseNadRef(n.nadName, ctx.namespace);
    for (const part of [ref.namespace, ref.name]) {
      const problem = dns1123LabelProblem(part);
      if (problem) issues.error(`${path}.nadName`, `${show(n.nadName)}: ${show(part)} ${problem}`);
    }
    if (n.sharedBy !== undefined) {
      const built = nicCniConfig(n, ref.name, ref.namespace, ipam, path, issues);
      nad = { name: ref.name, namespace: ref.namespace, owner: 'shared', ...built };
    } else {
      for (const f of ['vlanId', 'bridgeName', 'master', 'cniVersion'] as const) {
        if (n[f] !== undefined) issues.warn(`${path}.${f}`, `is ignored: nadName reuses the existing NAD ${show(n.nadName)}, whose config stays as it is`);
      }
      nad = { name: ref.name, namespace: ref.namespace, owner: 'external', resourceName: n.resourceName };
    }
  } else {
    const name = defaultNadName(ctx.vmName, n.name);
    const problem = dns1123LabelProblem(name);
    // A bad VM name is already reported on metadata.name; a NAD name built from it would only repeat it.
    if (problem && !dns1123LabelProblem(ctx.vmName)) {
      issues.error(`${path}.name`, `gives the NAD name ${show(name)}, which ${problem}; shorten the VM or NIC name, or set nadName to reuse an existing NAD`);
    }
    nad = { name, namespace: ctx.namespace, owner: 'vm', ...nicCniConfig(n, name, ctx.namespace, ipam, path, issues) };
  }
  let subnet: ResolvedSubnet | undefined;
  if (type === 'kube-ovn') {
    if (n.subnet) {subnet = resolveSubnet(n.subnet, nad.name, nad.namespace, `${path}.subnet`, issues);} else if (nad.owner !== 'external') {
      issues.error(`${path}.subnet`, 'is required for a kube-ovn NIC whose NAD is created here; add subnet.cidrBlock, or set nadName to reuse an existing NAD');
    }
  }
  return { nad, subnet };
}

/** KubeVirt's admission rules for `interfaces[].state` (pkg/network/admitter/admit.go), plus the primary NIC's. */
function checkLifecycle(n: NetworkConfig, type: NetworkType, place: NicPlacement, path: string, issues: IssueCollector): void {
  if (n.state === 'absent') {
    if (BINDINGS[type] !== 'bridge') {
      issues.error(`${path}.state`, `'absent' unplugs only NICs with KubeVirt's bridge binding (bridge, ovs, kube-ovn), and KubeVirt rejects it on a ${type} NIC; remove the NIC from networks instead, which takes a restart`);
    }
    if (place.primary) issues.error(`${path}.state`, '\'absent\' cannot unplug the primary NIC: it carries the default route; make another NIC primary first');
    if (n.linkState !== undefined) issues.error(`${path}.linkState`, `${show(n.linkState)} does not apply to a NIC being unplugged; remove it`);
  }
  if (n.linkState !== undefined && type === 'sriov') {
    issues.error(`${path}.linkState`, `${show(n.linkState)} is not supported on SR-IOV NICs (KubeVirt rejects it); remove it`);
  }
}

/** Validates and resolves one entry of `networks[]`. */
export function resolveNic(n: NetworkConfig, place: NicPlacement, ctx: VmContext): ResolvedNic {
  const { issues } = ctx;
  const path = `${ctx.networksPath}[${place.index}]`;
  const type = n.type ?? 'bridge';
  checkName(n, path, issues);
  checkTypeFields(n, type, path, issues);
  const ownIpam = (type === 'bridge' || type === 'ovs') && n.nadName === undefined;
  const ipCtx: IpContext = { path, primary: place.primary, metric: place.metric, issues, ownIpam };
  const ip = resolveIpConfig(n.ipConfig, ipCtx);
  checkCniIpam(n, type, ip, place, path, issues);
  const routes = resolveRoutes(n.routes, ip, ipCtx);
  const { nad, subnet } = resolveNad(n, type, ctx, ownIpam ? cniIpam(ip, place.primary, routes) : undefined, path);
  if (type === 'kube-ovn') {
    checkKubeOvnIp(n, ip, subnet, path, issues);
    if (ip.delivery === 'cni-ipam') issues.error(`${path}.ipConfig.delivery`, 'kube-ovn NICs get their address from Kube-OVN; remove the field');
  }
  const hasV6 = ip.addresses.some(a => a.family === 6);
  if (checkInt(n.mtu, `${path}.mtu`, 68, 65535, issues) && n.mtu !== undefined && hasV6 && n.mtu < 1280) {
    issues.error(`${path}.mtu`, `${n.mtu} is below 1280, the IPv6 minimum (RFC 8200), and this NIC has an IPv6 address; raise it`);
  }
  checkInt(n.priority, `${path}.priority`, 0, 1_000_000, issues);
  if (type === 'macvlan') {
    issues.warn(`${path}.type`, 'macvlan is realised with KubeVirt\'s macvtap binding (plain macvlan does not work with bridge binding): the KubeVirt CR must register the macvtap binding plugin and macvtap-cni must expose the lower device; such NICs cannot be hot-plugged or live-migrated');
  }
  if (type === 'ovs' && n.vlanId === undefined && nad.owner !== 'external') {
    issues.warn(`${path}.vlanId`, 'is not set, so ovs-cni makes the port a trunk carrying every VLAN; set vlanId for an access port');
  }
  if (place.primary && type !== 'kube-ovn' && ip.mode === 'static' && !ip.gateway4 && !ip.gateway6) {
    issues.warn(`${path}.ipConfig.gateway`, 'is not set on the primary NIC, so the guest gets no default route; set it, use mode dhcp, or make the pod network primary');
  }
  checkLifecycle(n, type, place, path, issues);
  const { mac, macSource } = resolveMac(n.macAddress, `${path}.macAddress`, ctx.namespace, ctx.vmName, n.name, issues);
  return {
    index: place.index,
    path,
    name: n.name,
    type,
    binding: BINDINGS[type],
    mac,
    macSource,
    nad,
    kubeOvn: type === 'kube-ovn' ? { provider: kubeOvnProvider(nad.name, nad.namespace), subnet } : undefined,
    primary: place.primary,
    rank: place.rank,
    metric: place.metric,
    mtu: n.mtu,
    ip,
    routes,
    state: n.state ?? 'present',
    linkState: n.linkState ?? 'up',
  };
}
