import { IssueCollector } from '../../../src/model';
import { parseCidr, parseIp } from '../../../src/model/net/ip';
// resolve-ip.ts is internal: src/model/resolve/index.ts does not export it.
import { resolveIpConfig, resolveRoutes, subnetOf } from '../../../src/model/resolve/resolve-ip';
import { expectError, expectIssue, expectWarning, resolve, resolveOk, withNets } from '../fixtures';

/** One (primary) NIC with this ipConfig and routes. */
const nic = (ipConfig?: object, routes?: object[]) => withNets({ name: 'eth1', ipConfig, routes });
/** A non-primary NIC: the pod network carries the default route. */
const secondary = (ipConfig?: object, routes?: object[]) => ({ podNetwork: { primary: true }, networks: [{ name: 'eth1', ipConfig, routes }] });
const STATIC = { address: '10.0.1.100/24', gateway: '10.0.1.1' };
const IP = 'networks[0].ipConfig';
const ROUTE = 'networks[0].routes[0]';

describe('ipConfig mode', () => {
  it('defaults to dhcp without an address', () => {
    expect(resolveOk(nic()).nics[1].ip).toEqual({ mode: 'dhcp', delivery: 'network-data', addresses: [], dnsServers: [], searchDomains: [] });
  });

  it('infers static from an address and parses it', () => {
    const ip = resolveOk(nic(STATIC)).nics[1].ip;
    expect(ip.mode).toBe('static');
    expect(ip.addresses.map(a => a.text)).toEqual(['10.0.1.100/24']);
    expect(ip.gateway4?.text).toBe('10.0.1.1');
    expect(ip.gateway6).toBeUndefined();
  });

  it('takes address and addresses together, IPv4 and IPv6 mixed, in canonical form', () => {
    const ip = resolveOk(nic({ address: '10.0.1.100/24', addresses: ['2001:DB8::10/64', '10.0.2.5/24'], gateway: '10.0.1.1' })).nics[1].ip;
    expect(ip.addresses.map(a => a.text)).toEqual(['10.0.1.100/24', '2001:db8::10/64', '10.0.2.5/24']);
  });

  it('keeps mode none without addresses', () => {
    expect(resolveOk(nic({ mode: 'none' })).nics[1].ip.mode).toBe('none');
  });

  it('fails if mode is dhcp but an address is given', () => {
    expectError(nic({ mode: 'dhcp', address: '10.0.1.100/24' }), `${IP}.address`,
      /^addresses are only used with mode 'static' \(mode is 'dhcp'\); set mode: static or remove them$/);
  });

  it('fails if mode is none but addresses are given', () => {
    expectError(nic({ mode: 'none', addresses: ['10.0.1.100/24'] }), `${IP}.address`, /mode is 'none'\); set mode: static or remove them/);
  });

  it('fails if mode is dhcp but a gateway is given', () => {
    expectError(nic({ mode: 'dhcp', gateway: '10.0.1.1' }), `${IP}.gateway`, /^a gateway is only used with mode 'static' \(mode is 'dhcp'\); remove it$/);
  });

  it('fails if mode is dhcp but gateway6 is given', () => {
    expectError(nic({ gateway6: '2001:db8::1' }), `${IP}.gateway6`, /^a gateway is only used with mode 'static' \(mode is 'dhcp'\); remove it$/);
  });

  it('fails if mode is static without an address', () => {
    expectError(nic({ mode: 'static', gateway: '10.0.1.1' }), `${IP}.address`, /^is required with mode 'static'; give the address in CIDR form, e\.g\. '10\.0\.1\.100\/24'$/,
      { only: false });
  });

  it('fails if mode is none but DNS settings are given', () => {
    expectError(nic({ mode: 'none', searchDomains: ['example.com'] }), `${IP}.dnsServers`, /^DNS settings need an address; mode 'none' gives the NIC none$/);
  });
});

describe('addresses', () => {
  it('fails if an address is not in CIDR form', () => {
    expectError(nic({ address: '10.0.1.300/24' }), `${IP}.address`,
      /^'10\.0\.1\.300\/24' is not an address in CIDR form; write it in CIDR form, e\.g\. '10\.0\.1\.100\/24' or '2001:db8::10\/64'$/);
  });

  it('fails if an address has no prefix length, telling to add it', () => {
    expectError(nic({ address: '10.0.1.100' }), `${IP}.address`, /^'10\.0\.1\.100' is not an address in CIDR form; add the prefix length, e\.g\. '10\.0\.1\.100\/24'$/);
  });

  it('fails if an address is the network address', () => {
    expectError(nic({ addresses: ['10.0.1.0/24'] }), `${IP}.addresses[0]`,
      /^'10\.0\.1\.0\/24' is the network or broadcast address of 10\.0\.1\.0\/24; use a host address$/);
  });

  it('fails if an address is the broadcast address', () => {
    expectError(nic({ address: '10.0.1.255/24' }), `${IP}.address`, /^'10\.0\.1\.255\/24' is the network or broadcast address of 10\.0\.1\.0\/24/);
  });

  it('fails if an IPv6 address is the subnet-router anycast address', () => {
    expectError(nic({ address: '2001:db8::/64' }), `${IP}.address`, /'2001:db8::\/64' is the network or broadcast address of 2001:db8::\/64/);
  });

  it('accepts both addresses of a /31', () => {
    resolveOk(nic({ addresses: ['10.0.0.0/31'], gateway: '10.0.0.1' }));
  });

  it('fails if an address is listed twice', () => {
    expectError(nic({ address: '10.0.1.100/24', addresses: ['10.0.1.100/25'], gateway: '10.0.1.1' }), `${IP}.addresses[0]`,
      /^'10\.0\.1\.100\/25' is listed twice; remove the duplicate$/);
  });

  it('fails if an IPv6 address is listed twice in different spellings', () => {
    expectError(nic({ addresses: ['2001:db8::10/64', '2001:DB8:0::10/64'], gateway: '2001:db8::1' }), `${IP}.addresses[1]`, /'2001:DB8:0::10\/64' is listed twice/);
  });
});

describe('gateways', () => {
  it('fails if the gateway is not an IP address', () => {
    expectError(nic({ address: '10.0.1.100/24', gateway: 'router' }), `${IP}.gateway`, /^'router' is not an IP address$/);
  });

  it('fails if the gateway is outside the subnet of the NIC', () => {
    expectError(nic({ address: '10.0.1.100/24', gateway: '10.0.2.1' }), `${IP}.gateway`,
      /^'10\.0\.2\.1' is not inside the subnet of this NIC \(10\.0\.1\.0\/24\); use a gateway on that subnet or fix the address prefix$/);
  });

  it('fails if the gateway has a family the NIC has no address of', () => {
    expectError(nic({ address: '2001:db8::10/64', gateway: '10.0.1.1' }), `${IP}.gateway`, /'10\.0\.1\.1' is not inside the subnet of this NIC \(no IPv4 address\)/);
  });

  it('fails if the gateway is the own address', () => {
    expectError(nic({ address: '10.0.1.100/24', gateway: '10.0.1.100' }), `${IP}.gateway`,
      /^'10\.0\.1\.100' is the network, broadcast or own address of 10\.0\.1\.0\/24; use the router's address$/);
  });

  it('fails if the gateway is the network address', () => {
    expectError(nic({ address: '10.0.1.100/24', gateway: '10.0.1.0' }), `${IP}.gateway`, /'10\.0\.1\.0' is the network, broadcast or own address/);
  });

  it('takes an IPv6 gateway in gateway for an IPv6-only NIC', () => {
    const ip = resolveOk(nic({ address: '2001:db8::10/64', gateway: '2001:DB8::1' })).nics[1].ip;
    expect([ip.gateway4, ip.gateway6?.text]).toEqual([undefined, '2001:db8::1']);
  });

  it('takes an IPv4 gateway and an IPv6 gateway6 on a dual-stack NIC', () => {
    const ip = resolveOk(nic({ addresses: ['10.0.1.100/24', '2001:db8::10/64'], gateway: '10.0.1.1', gateway6: '2001:db8::1' })).nics[1].ip;
    expect([ip.gateway4?.text, ip.gateway6?.text]).toEqual(['10.0.1.1', '2001:db8::1']);
  });

  it('fails if gateway6 is IPv4', () => {
    expectError(nic({ address: '10.0.1.100/24', gateway6: '10.0.1.1' }), `${IP}.gateway6`,
      /^'10\.0\.1\.1' is IPv4; put it in 'gateway' and the IPv6 gateway here$/, { only: false });
  });

  it('fails if gateway6 is given while gateway is already IPv6', () => {
    expectError(nic({ address: '2001:db8::10/64', gateway: '2001:db8::1', gateway6: '2001:db8::2' }), `${IP}.gateway6`,
      /^gateway is already IPv6; give an IPv4 gateway in 'gateway' or drop one$/);
  });

  it('fails if gateway6 is outside the IPv6 subnet', () => {
    expectError(nic({ addresses: ['10.0.1.100/24', '2001:db8::10/64'], gateway: '10.0.1.1', gateway6: '2001:db9::1' }), `${IP}.gateway6`,
      /'2001:db9::1' is not inside the subnet of this NIC \(2001:db8::\/64\)/);
  });

  it('warns that a gateway on a non-primary NIC installs no default route', () => {
    expectWarning(secondary(STATIC), `${IP}.gateway`,
      /^is not installed as a default route because this NIC is not the primary one; add a Route via it, or mark the NIC primary$/);
  });
});

describe('DNS', () => {
  it('canonicalizes DNS servers and keeps search domains', () => {
    const ip = resolveOk(nic({ ...STATIC, dnsServers: ['10.0.0.53', '2001:DB8::53'], searchDomains: ['example.com', 'corp.example.com.'] })).nics[1].ip;
    expect(ip.dnsServers).toEqual(['10.0.0.53', '2001:db8::53']);
    expect(ip.searchDomains).toEqual(['example.com', 'corp.example.com.']);
  });

  it('fails if a DNS server is not an IP address', () => {
    expectError(nic({ dnsServers: ['10.0.0.53', 'dns.example.com'] }), `${IP}.dnsServers[1]`, /^'dns\.example\.com' is not an IP address$/);
  });

  it.each([['-bad.example.com'], ['exa mple.com'], ['a..b'], [''], [`${'a'.repeat(64)}.com`]])('fails if search domain %j is not a domain', domain => {
    expectError(nic({ searchDomains: ['ok.example', domain] }), `${IP}.searchDomains[1]`, /is not a DNS domain name$/);
  });

  it('shows the bad search domain', () => {
    expectError(nic({ searchDomains: ['bad_domain!'] }), `${IP}.searchDomains[0]`, /^'bad_domain!' is not a DNS domain name$/);
  });
});

describe('routes', () => {
  it('resolves a route with the NIC metric by default and an explicit metric otherwise', () => {
    const routes = resolveOk(nic(STATIC, [{ destination: '10.8.0.0/16', gateway: '10.0.1.254' }, { destination: '10.9.0.0/16', gateway: '10.0.1.253', metric: 5 }]))
      .nics[1].routes;
    expect(routes.map(r => [r.destination.network, r.gateway?.text, r.metric])).toEqual([['10.8.0.0/16', '10.0.1.254', 100], ['10.9.0.0/16', '10.0.1.253', 5]]);
  });

  it('uses the rank metric of a secondary NIC', () => {
    const routes = resolveOk(secondary({ address: '10.0.1.100/24' }, [{ destination: '10.8.0.0/16', gateway: '10.0.1.254' }])).nics[1].routes;
    expect(routes.map(r => r.metric)).toEqual([200]);
  });

  it('accepts a route on a DHCP NIC without checking reachability', () => {
    expect(resolveOk(nic(undefined, [{ destination: '10.8.0.0/16', gateway: '192.168.0.1' }])).nics[1].routes).toHaveLength(1);
  });

  it('accepts a default route on the primary NIC when ipConfig has no gateway of that family', () => {
    const routes = resolveOk(nic({ address: '10.0.1.100/24' }, [{ destination: '0.0.0.0/0', gateway: '10.0.1.1' }])).nics[1].routes;
    expect(routes[0].destination.network).toBe('0.0.0.0/0');
  });

  it('fails if the destination is not a CIDR', () => {
    expectError(nic(STATIC, [{ destination: '10.8.0.0', gateway: '10.0.1.254' }]), `${ROUTE}.destination`,
      /^'10\.8\.0\.0' is not a network in CIDR form, e\.g\. '192\.168\.0\.0\/16'$/);
  });

  it('fails if the destination has host bits set', () => {
    expectError(nic(STATIC, [{ destination: '10.8.1.0/16', gateway: '10.0.1.254' }]), `${ROUTE}.destination`,
      /^'10\.8\.1\.0\/16' has host bits set; write the network '10\.8\.0\.0\/16'$/);
  });

  it.each([[-1], [1.5], [4294967296]])('fails if metric %p is out of range 0..4294967295', metric => {
    expectError(nic(STATIC, [{ destination: '10.8.0.0/16', gateway: '10.0.1.254', metric }]), `${ROUTE}.metric`,
      new RegExp(`^${String(metric).replace('.', '\\.')} is out of range 0\\.\\.4294967295$`));
  });

  it('fails if a non-primary NIC carries a default route', () => {
    expectError(secondary({ address: '10.0.1.100/24' }, [{ destination: '0.0.0.0/0', gateway: '10.0.1.1' }]), `${ROUTE}.destination`,
      /^'0\.0\.0\.0\/0' is a default route, which only the primary NIC carries; mark this NIC primary or route a narrower prefix$/);
  });

  it('fails if the pod network carries a default route while not primary', () => {
    expectError({ podNetwork: { routes: [{ destination: '0.0.0.0/0', gateway: '10.0.2.1' }] }, networks: [{ name: 'eth1' }] }, 'podNetwork.routes[0].destination',
      /'0\.0\.0\.0\/0' is a default route, which only the primary NIC carries/);
  });

  it('fails if a default route duplicates ipConfig.gateway', () => {
    expectError(nic(STATIC, [{ destination: '0.0.0.0/0', gateway: '10.0.1.254' }]), `${ROUTE}.destination`,
      /^'0\.0\.0\.0\/0' duplicates the default route from ipConfig\.gateway; keep one of them$/);
  });

  it('fails if an IPv6 default route duplicates the IPv6 gateway', () => {
    expectError(nic({ address: '2001:db8::10/64', gateway: '2001:db8::1' }, [{ destination: '::/0', gateway: '2001:db8::2' }]), `${ROUTE}.destination`,
      /'::\/0' duplicates the default route from ipConfig\.gateway/);
  });

  it('fails if a route is an IPv6 default route, which cloud-init renders as ::/64', () => {
    expectError(nic({ address: '2001:db8::10/64' }, [{ destination: '::/0', gateway: '2001:db8::1' }]), `${ROUTE}.destination`,
      /^'::\/0' is rendered as '::\/64' by cloud-init's eni and sysconfig renderers; drop this route and set ipConfig\.gateway/);
  });

  it('fails if a route has no gateway', () => {
    expectError(nic(STATIC, [{ destination: '10.8.0.0/16' }]), `${ROUTE}.gateway`, /^is required: give the next hop on this NIC's subnet$/);
  });

  it('fails if the route gateway is not an IP address', () => {
    expectError(nic(STATIC, [{ destination: '10.8.0.0/16', gateway: 'gw.local' }]), `${ROUTE}.gateway`, /^'gw\.local' is not an IP address$/);
  });

  it('fails if the route gateway family differs from the destination family', () => {
    expectError(nic(STATIC, [{ destination: '2001:db8:1::/48', gateway: '10.0.1.254' }]), `${ROUTE}.gateway`,
      /^'10\.0\.1\.254' is IPv4 but the destination is IPv6; use a gateway of the same family$/);
  });

  it('fails if the NIC has mode none', () => {
    expectError(nic({ mode: 'none' }, [{ destination: '10.8.0.0/16', gateway: '10.0.1.254' }]), `${ROUTE}.gateway`,
      /^'10\.0\.1\.254' cannot be reached: the NIC has no address \(mode 'none'\); give it an address or drop the route$/);
  });

  it('fails if the route gateway is not reachable through the NIC subnet', () => {
    expectError(nic(STATIC, [{ destination: '10.8.0.0/16', gateway: '10.0.9.1' }]), `${ROUTE}.gateway`,
      /^'10\.0\.9\.1' is not reachable through this NIC's subnet \(10\.0\.1\.0\/24\); use a next hop inside it$/);
  });

  it('fails if an IPv6 route gateway has no IPv6 subnet on the NIC', () => {
    expectError(nic(STATIC, [{ destination: '2001:db8:1::/48', gateway: '2001:db8::1' }]), `${ROUTE}.gateway`,
      /'2001:db8::1' is not reachable through this NIC's subnet \(no IPv6 address\)/);
  });

  it('fails if a destination is routed twice', () => {
    expectError(nic(STATIC, [{ destination: '10.8.0.0/16', gateway: '10.0.1.254' }, { destination: '10.8.0.0/16', gateway: '10.0.1.253' }]),
      'networks[0].routes[1].destination', /^'10\.8\.0\.0\/16' is routed twice on this NIC; keep one route per destination$/);
  });

  it('reports every bad route, not only the first', () => {
    const { issues } = resolve(nic(STATIC, [{ destination: 'x', gateway: '10.0.1.254' }, { destination: '10.8.0.0/16' }, { destination: '10.9.0.0/16', gateway: 'y' }]));
    expectIssue(issues, 'error', 'networks[0].routes[0].destination', /'x'/);
    expectIssue(issues, 'error', 'networks[0].routes[1].gateway', /is required/);
    expectIssue(issues, 'error', 'networks[0].routes[2].gateway', /'y'/);
  });
});

describe('resolveIpConfig and resolveRoutes directly', () => {
  it('uses the given context path, primary flag and metric', () => {
    const issues = new IssueCollector();
    const ctx = { path: 'x', primary: false, metric: 700, issues };
    const ip = resolveIpConfig({ address: '10.0.0.5/24', gateway: '10.0.0.1' }, ctx);
    const routes = resolveRoutes([{ destination: '10.1.0.0/16', gateway: '10.0.0.1' }], ip, ctx);
    expect(routes.map(r => [r.destination.network, r.metric])).toEqual([['10.1.0.0/16', 700]]);
    expect(issues.issues).toEqual([{ severity: 'warning', path: 'x.ipConfig.gateway', message: expect.stringMatching(/not the primary one/) }]);
  });

  it('finds the subnet through which an address is reachable', () => {
    const addresses = [parseCidr('10.0.0.5/24')!, parseCidr('2001:db8::5/64')!];
    expect(subnetOf(addresses, parseIp('2001:db8::1')!)?.text).toBe('2001:db8::5/64');
    expect(subnetOf(addresses, parseIp('10.0.1.1')!)).toBeUndefined();
  });
});
