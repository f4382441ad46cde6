import { ResolvedIp, ResolvedRoute } from './resolved';
import { Cidr, Ip, cidrContains, hasHostBits, isReservedInSubnet, parseCidr, parseIp } from '../net/ip';
import { IssueCollector, show } from '../spec/issues';
import { present } from '../spec/shape';
import { IpConfig, IpMode, RouteConfig } from '../spec/types';

const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$/;
const MAX_METRIC = 4294967295;

/** What the IP rules need to know about the NIC they belong to. */
export interface IpContext {
  /** Field path of the NIC, e.g. `networks[1]`. */
  readonly path: string;
  readonly primary: boolean;
  readonly metric: number;
  readonly issues: IssueCollector;
  /**
   * The NIC can carry its IPv4 address as static IPAM in a NAD of its own (bridge or ovs, no `nadName`), so a static
   * address defaults to delivery `both`. @default false
   */
  readonly ownIpam?: boolean;
}

function parseAddresses(cfg: IpConfig, path: string, issues: IssueCollector): Cidr[] {
  const entries: Array<[string, string]> = [];
  if (cfg.address !== undefined) entries.push([`${path}.address`, cfg.address]);
  for (const [a, i] of present(cfg.addresses)) entries.push([`${path}.addresses[${i}]`, a]);
  const out: Cidr[] = [];
  for (const [at, text] of entries) {
    const cidr = parseCidr(text);
    if (!cidr) {
      const fix = parseIp(text) ? 'add the prefix length, e.g. \'10.0.1.100/24\'' : 'write it in CIDR form, e.g. \'10.0.1.100/24\' or \'2001:db8::10/64\'';
      issues.error(at, `${show(text)} is not an address in CIDR form; ${fix}`);
      continue;
    }
    if (isReservedInSubnet(cidr, cidr.ip)) {
      issues.error(at, `${show(text)} is the network or broadcast address of ${cidr.network}; use a host address`);
      continue;
    }
    if (out.some(o => o.ip.text === cidr.ip.text)) {
      issues.error(at, `${show(text)} is listed twice; remove the duplicate`);
      continue;
    }
    out.push(cidr);
  }
  return out;
}

/** The address subnet through which `ip` is reachable, if any. */
export function subnetOf(addresses: Cidr[], ip: Ip): Cidr | undefined {
  return addresses.find(a => cidrContains(a, ip));
}

function parseGateway(value: string, at: string, addresses: Cidr[], issues: IssueCollector): Ip | undefined {
  const gw = parseIp(value);
  if (!gw) {
    issues.error(at, `${show(value)} is not an IP address`);
    return undefined;
  }
  const sameFamily = addresses.filter(a => a.family === gw.family);
  const net = subnetOf(sameFamily, gw);
  if (!net) {
    const nets = sameFamily.map(a => a.network).join(', ') || `no IPv${gw.family} address`;
    issues.error(at, `${show(value)} is not inside the subnet of this NIC (${nets}); use a gateway on that subnet or fix the address prefix`);
    return undefined;
  }
  if (isReservedInSubnet(net, gw) || sameFamily.some(a => a.ip.text === gw.text)) {
    issues.error(at, `${show(value)} is the network, broadcast or own address of ${net.network}; use the router's address`);
    return undefined;
  }
  return gw;
}

function resolveMode(cfg: IpConfig, path: string, issues: IssueCollector): IpMode {
  const hasAddress = cfg.address !== undefined || (cfg.addresses?.length ?? 0) > 0;
  const mode = cfg.mode ?? (hasAddress ? 'static' : 'dhcp');
  if (mode !== 'static') {
    if (hasAddress) issues.error(`${path}.address`, `addresses are only used with mode 'static' (mode is '${mode}'); set mode: static or remove them`);
    if (cfg.gateway !== undefined) issues.error(`${path}.gateway`, `a gateway is only used with mode 'static' (mode is '${mode}'); remove it`);
    if (cfg.gateway6 !== undefined) issues.error(`${path}.gateway6`, `a gateway is only used with mode 'static' (mode is '${mode}'); remove it`);
  } else if (!hasAddress) {
    issues.error(`${path}.address`, 'is required with mode \'static\'; give the address in CIDR form, e.g. \'10.0.1.100/24\'');
  }
  if (mode === 'none' && ((cfg.dnsServers?.length ?? 0) > 0 || (cfg.searchDomains?.length ?? 0) > 0)) {
    issues.error(`${path}.dnsServers`, 'DNS settings need an address; mode \'none\' gives the NIC none');
  }
  return mode;
}

/** Validates and resolves one NIC's `ipConfig`. */
export function resolveIpConfig(cfg: IpConfig | undefined, ctx: IpContext): ResolvedIp {
  const path = `${ctx.path}.ipConfig`;
  const c = cfg ?? {};
  const mode = resolveMode(c, path, ctx.issues);
  const addresses = mode === 'static' ? parseAddresses(c, path, ctx.issues) : [];
  let gateway4: Ip | undefined;
  let gateway6: Ip | undefined;
  if (mode === 'static' && c.gateway !== undefined) {
    const gw = parseGateway(c.gateway, `${path}.gateway`, addresses, ctx.issues);
    if (gw?.family === 4) gateway4 = gw;
    if (gw?.family === 6) gateway6 = gw;
  }
  if (mode === 'static' && c.gateway6 !== undefined) {
    const gw = parseGateway(c.gateway6, `${path}.gateway6`, addresses, ctx.issues);
    if (gw && gw.family !== 6) ctx.issues.error(`${path}.gateway6`, `${show(c.gateway6)} is IPv4; put it in 'gateway' and the IPv6 gateway here`);
    else if (gw && gateway6) ctx.issues.error(`${path}.gateway6`, 'gateway is already IPv6; give an IPv4 gateway in \'gateway\' or drop one');
    else if (gw) gateway6 = gw;
  }
  const dnsServers: string[] = [];
  for (const [d, i] of present(c.dnsServers)) {
    const ip = parseIp(d);
    if (ip) dnsServers.push(ip.text);
    else ctx.issues.error(`${path}.dnsServers[${i}]`, `${show(d)} is not an IP address`);
  }
  const searchDomains = present(c.searchDomains).map(([d]) => d);
  for (const [d, i] of present(c.searchDomains)) {
    if (!DOMAIN.test(d)) ctx.issues.error(`${path}.searchDomains[${i}]`, `${show(d)} is not a DNS domain name`);
  }
  if (!ctx.primary && (gateway4 || gateway6)) {
    ctx.issues.warn(`${path}.gateway`, 'is not installed as a default route because this NIC is not the primary one; add a Route via it, or mark the NIC primary');
  }
  // A /32 gives the pod interface no route at all, and KubeVirt's bridge binding then fails the NIC ("no gateway address
  // found in routes", pkg/network/setup/netpod/discoverbridge.go): such an address stays in the network data only.
  const firstV4 = addresses.find(a => a.family === 4);
  const liveByDefault = ctx.ownIpam === true && mode === 'static' && firstV4 !== undefined && firstV4.prefix < 32;
  const delivery = c.delivery ?? (liveByDefault ? 'both' : 'network-data');
  return { mode, delivery, addresses, gateway4, gateway6, dnsServers, searchDomains };
}

function isDefaultRoute(cidr: Cidr): boolean {
  return cidr.prefix === 0;
}

/** Validates and resolves the routes of one NIC against its addresses. `path` is the routes array's path. */
export function resolveRoutes(routes: RouteConfig[] | undefined, ip: ResolvedIp, ctx: IpContext, path = `${ctx.path}.routes`): ResolvedRoute[] {
  const out: ResolvedRoute[] = [];
  for (const [r, i] of present(routes)) {
    const at = `${path}[${i}]`;
    const dest = parseCidr(r.destination);
    if (!dest) {
      ctx.issues.error(`${at}.destination`, `${show(r.destination)} is not a network in CIDR form, e.g. '192.168.0.0/16'`);
      continue;
    }
    if (hasHostBits(dest)) {
      ctx.issues.error(`${at}.destination`, `${show(r.destination)} has host bits set; write the network '${dest.network}'`);
      continue;
    }
    if (r.metric !== undefined && !(Number.isInteger(r.metric) && r.metric >= 0 && r.metric <= MAX_METRIC)) {
      ctx.issues.error(`${at}.metric`, `${show(r.metric)} is out of range 0..${MAX_METRIC}`);
      continue;
    }
    if (isDefaultRoute(dest)) {
      if (!ctx.primary) {
        ctx.issues.error(`${at}.destination`, `${show(r.destination)} is a default route, which only the primary NIC carries; mark this NIC primary or route a narrower prefix`);
        continue;
      }
      if ((dest.family === 4 && ip.gateway4) || (dest.family === 6 && ip.gateway6)) {
        ctx.issues.error(`${at}.destination`, `${show(r.destination)} duplicates the default route from ipConfig.gateway; keep one of them`);
        continue;
      }
      if (dest.family === 6) {
        // cloud-init's eni and sysconfig renderers (22.4) turn a v2 route to ::/0 into ::/64, so the guest would get no
        // IPv6 default route; the v2 `gateway6` key, written from ipConfig.gateway, survives every renderer.
        ctx.issues.error(`${at}.destination`, `${show(r.destination)} is rendered as '::/64' by cloud-init's eni and sysconfig renderers; `
          + 'drop this route and set ipConfig.gateway to the IPv6 next hop (with a static IPv6 address) instead');
        continue;
      }
    }
    if (r.gateway === undefined) {
      ctx.issues.error(`${at}.gateway`, 'is required: give the next hop on this NIC\'s subnet');
      continue;
    }
    const gw = parseIp(r.gateway);
    if (!gw) {
      ctx.issues.error(`${at}.gateway`, `${show(r.gateway)} is not an IP address`);
      continue;
    }
    if (gw.family !== dest.family) {
      ctx.issues.error(`${at}.gateway`, `${show(r.gateway)} is IPv${gw.family} but the destination is IPv${dest.family}; use a gateway of the same family`);
      continue;
    }
    if (ip.mode === 'none') {
      ctx.issues.error(`${at}.gateway`, `${show(r.gateway)} cannot be reached: the NIC has no address (mode 'none'); give it an address or drop the route`);
      continue;
    }
    if (ip.mode === 'static' && ip.addresses.length > 0 && !subnetOf(ip.addresses.filter(a => a.family === gw.family), gw)) {
      const nets = ip.addresses.filter(a => a.family === gw.family).map(a => a.network).join(', ') || `no IPv${gw.family} address`;
      ctx.issues.error(`${at}.gateway`, `${show(r.gateway)} is not reachable through this NIC's subnet (${nets}); use a next hop inside it`);
      continue;
    }
    if (out.some(o => o.destination.network === dest.network)) {
      ctx.issues.error(`${at}.destination`, `${show(r.destination)} is routed twice on this NIC; keep one route per destination`);
      continue;
    }
    out.push({ destination: dest, gateway: gw, metric: r.metric ?? ctx.metric });
  }
  return out;
}
