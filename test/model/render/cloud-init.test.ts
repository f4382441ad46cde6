import { parse } from 'yaml';
import { NetworkDataV2, ResolvedVm } from '../../../src/model';
import { deriveMac } from '../../../src/model/net/mac';
import { INLINE_CLOUD_INIT_LIMIT, blockYaml, buildNetworkData, documentYaml, networkDataYaml } from '../../../src/model/render/cloud-init';
import { resolveOk, withNets } from '../fixtures';

const mac = (nic: string) => deriveMac('default', 'vm1', nic);

function ethernets(vm: ResolvedVm) {
  return buildNetworkData(vm).ethernets;
}

describe('buildNetworkData', () => {
  it('writes every NIC matched by MAC, renaming those that never leave a running guest, ordered by rank, with DHCP overrides, static routes and DNS', () => {
    const vm = resolveOk({
      podNetwork: { priority: 50 },
      networks: [
        {
          name: 'mgmt',
          priority: 10,
          mtu: 9000,
          ipConfig: {
            addresses: ['10.0.1.100/24', '2001:DB8::10/64'], gateway: '10.0.1.1', gateway6: '2001:db8::1', dnsServers: ['10.0.0.53'], searchDomains: ['example.com'],
          },
          routes: [{ destination: '10.8.0.0/16', gateway: '10.0.1.254' }, { destination: '2001:db8:8::/48', gateway: '2001:db8::fe', metric: 7 }],
        },
        { name: 'data', priority: 5 },
      ],
    });
    const data = buildNetworkData(vm);
    expect(data).toEqual({
      version: 2,
      ethernets: {
        data: {
          'match': { macaddress: mac('data') }, 'dhcp4': true, 'dhcp4-overrides': { 'use-routes': false, 'route-metric': 200 },
        },
        mgmt: {
          'match': { macaddress: mac('mgmt') },
          'set-name': 'mgmt',
          'mtu': 9000,
          'dhcp4': false,
          'addresses': ['10.0.1.100/24', '2001:db8::10/64'],
          'gateway6': '2001:db8::1',
          'routes': [
            { to: '0.0.0.0/0', via: '10.0.1.1', metric: 100 },
            { to: '10.8.0.0/16', via: '10.0.1.254', metric: 100 },
            { to: '2001:db8:8::/48', via: '2001:db8::fe', metric: 7 },
          ],
          'nameservers': { addresses: ['10.0.0.53'], search: ['example.com'] },
        },
        default: {
          'match': { macaddress: mac('default') }, 'set-name': 'default', 'dhcp4': true, 'dhcp4-overrides': { 'use-routes': false, 'route-metric': 300 },
        },
      },
    });
    expect(Object.keys(data.ethernets)).toEqual(['mgmt', 'data', 'default']);
  });

  it('gives the primary DHCP NIC only a route metric, keeping its routes', () => {
    expect(ethernets(resolveOk({}))).toEqual({
      default: { 'match': { macaddress: mac('default') }, 'set-name': 'default', 'dhcp4': true, 'dhcp4-overrides': { 'route-metric': 100 } },
    });
  });

  it('gives non-primary DHCP NICs use-routes: false and their rank metric', () => {
    const e = ethernets(resolveOk(withNets({ name: 'eth1' }, { name: 'eth2' })));
    expect(e.eth1['dhcp4-overrides']).toEqual({ 'route-metric': 100 });
    expect(e.eth2['dhcp4-overrides']).toEqual({ 'use-routes': false, 'route-metric': 200 });
    expect(e.default['dhcp4-overrides']).toEqual({ 'use-routes': false, 'route-metric': 300 });
  });

  it('writes the IPv6 gateway of an IPv6-only primary NIC as gateway6, not as a ::/0 route', () => {
    const e = ethernets(resolveOk(withNets({ name: 'eth1', ipConfig: { address: '2001:db8::10/64', gateway: '2001:db8::1' } })));
    expect(e.eth1).toEqual({ 'match': { macaddress: mac('eth1') }, 'set-name': 'eth1', 'dhcp4': false, 'addresses': ['2001:db8::10/64'], 'gateway6': '2001:db8::1' });
  });

  it('does not install the gateway of a non-primary static NIC', () => {
    const e = ethernets(resolveOk({ podNetwork: { primary: true }, networks: [{ name: 'eth1', ipConfig: { address: '10.0.1.100/24', gateway: '10.0.1.1' } }] }));
    expect(e.eth1).toEqual({ match: { macaddress: mac('eth1') }, dhcp4: false, addresses: ['10.0.1.100/24'] });
    expect(Object.keys(e)).toEqual(['default', 'eth1']);
  });

  it('writes a static NIC without gateway without routes', () => {
    expect(ethernets(resolveOk(withNets({ name: 'eth1', ipConfig: { address: '10.0.1.100/24' } }))).eth1.routes).toBeUndefined();
  });

  it('writes only the DNS parts that are set', () => {
    const e = ethernets(resolveOk(withNets({ name: 'eth1', ipConfig: { dnsServers: ['1.1.1.1'] } }, { name: 'eth2', ipConfig: { searchDomains: ['corp'] } })));
    expect(e.eth1.nameservers).toEqual({ addresses: ['1.1.1.1'] });
    expect(e.eth2.nameservers).toEqual({ search: ['corp'] });
  });

  it('writes a NIC with mode none with dhcp4: false and nothing else', () => {
    expect(ethernets(resolveOk(withNets({ name: 'eth1', ipConfig: { mode: 'none' } }))).eth1).toEqual({
      'match': { macaddress: mac('eth1') }, 'set-name': 'eth1', 'dhcp4': false,
    });
  });

  it('renames no NIC that can be unplugged: a guest rebooting on the seed its VMI started with would wait for it and apply nothing', () => {
    const e = ethernets(resolveOk(withNets({ name: 'eth1' }, { name: 'eth2', type: 'ovs', vlanId: 3 }, { name: 'vf1', type: 'sriov', resourceName: 'intel.com/vf' })));
    expect(Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v['set-name']]))).toEqual({ eth1: 'eth1', eth2: undefined, vf1: 'vf1', default: 'default' });
  });

  it('writes a static address with delivery both into the network data too, so a boot does not depend on DHCP', () => {
    const e = ethernets(resolveOk(withNets({ name: 'eth1', ipConfig: { address: '10.0.1.100/24', gateway: '10.0.1.1' } })));
    expect(e.eth1).toMatchObject({ dhcp4: false, addresses: ['10.0.1.100/24'], routes: [{ to: '0.0.0.0/0', via: '10.0.1.1', metric: 100 }] });
  });

  it('lets KubeVirt DHCP hand out a cni-ipam address instead of writing it', () => {
    const e = ethernets(resolveOk(withNets({ name: 'eth1', ipConfig: { address: '10.0.1.100/24', gateway: '10.0.1.1', delivery: 'cni-ipam' } })));
    expect(e.eth1).toEqual({ 'match': { macaddress: mac('eth1') }, 'set-name': 'eth1', 'dhcp4': true, 'dhcp4-overrides': { 'route-metric': 100 } });
  });

  it('takes the IPv4 address of a dual-stack kube-ovn NIC by DHCP and writes its IPv6 address', () => {
    const vm = resolveOk(withNets({
      name: 'ovn',
      type: 'kube-ovn',
      ipConfig: { addresses: ['10.20.0.10/24', '2001:db8::10/64'], gateway: '10.20.0.1', gateway6: '2001:db8::1' },
      subnet: { cidrBlock: '10.20.0.0/24,2001:db8::/64', excludeIps: ['10.20.0.10', '2001:db8::10'] },
    }));
    expect(ethernets(vm).ovn).toEqual({
      'match': { macaddress: mac('ovn') },
      'set-name': 'ovn',
      'dhcp4': true,
      'dhcp4-overrides': { 'route-metric': 100 },
      'addresses': ['2001:db8::10/64'],
      'gateway6': '2001:db8::1',
    });
  });

  it('takes the IPv4 address of a kube-ovn NIC in DHCP mode by DHCP', () => {
    const vm = resolveOk(withNets({ name: 'ovn', type: 'kube-ovn', subnet: { cidrBlock: '10.20.0.0/24' } }));
    expect(ethernets(vm).ovn).toMatchObject({ 'dhcp4': true, 'dhcp4-overrides': { 'route-metric': 100 } });
    expect(ethernets(vm).ovn.addresses).toBeUndefined();
  });

  it('writes the static address of an IPv6-only kube-ovn NIC without DHCP', () => {
    const vm = resolveOk(withNets({
      name: 'ovn', type: 'kube-ovn', ipConfig: { address: '2001:db8::10/64' }, subnet: { cidrBlock: '2001:db8::/64', excludeIps: ['2001:db8::10'] },
    }));
    expect(ethernets(vm).ovn).toEqual({ 'match': { macaddress: mac('ovn') }, 'set-name': 'ovn', 'dhcp4': false, 'addresses': ['2001:db8::10/64'] });
  });

  it('uses a given MAC, normalized', () => {
    expect(ethernets(resolveOk(withNets({ name: 'eth1', macAddress: '02:AA:BB:CC:DD:EE' }))).eth1.match).toEqual({ macaddress: '02:aa:bb:cc:dd:ee' });
  });
});

describe('networkDataYaml', () => {
  const vm = () => resolveOk({ podNetwork: { enabled: false }, networks: [{ name: 'eth1', macAddress: '02:11:22:33:44:55', mtu: 1500 }] });

  it('double-quotes every string and leaves numbers and booleans plain', () => {
    expect(networkDataYaml(buildNetworkData(vm()))).toBe([
      'version: 2',
      'ethernets:',
      '  "eth1":',
      '    match:',
      '      macaddress: "02:11:22:33:44:55"',
      '    set-name: "eth1"',
      '    mtu: 1500',
      '    dhcp4: true',
      '    dhcp4-overrides:',
      '      route-metric: 100',
      '',
    ].join('\n'));
  });

  it('keeps an all-digit MAC a string for a YAML 1.1 reader like cloud-init', () => {
    const parsed = parse(networkDataYaml(buildNetworkData(vm())), { version: '1.1' });
    expect(parsed.ethernets.eth1.match.macaddress).toBe('02:11:22:33:44:55');
    expect(parse('macaddress: 02:11:22:33:44:55', { version: '1.1' }).macaddress).not.toBe('02:11:22:33:44:55');
  });

  it('writes routes and addresses that read back to the same data', () => {
    const data = buildNetworkData(resolveOk(withNets({
      name: 'eth1', ipConfig: { address: '10.0.1.100/24', gateway: '10.0.1.1', dnsServers: ['10.0.0.53'] }, routes: [{ destination: '10.8.0.0/16', gateway: '10.0.1.9' }],
    })));
    const text = networkDataYaml(data);
    expect(parse(text, { version: '1.1' })).toEqual(data);
    expect(text).toContain('      - to: "0.0.0.0/0"\n        via: "10.0.1.1"\n        metric: 100\n');
    expect(text).toContain('    addresses:\n      - "10.0.1.100/24"\n');
  });

  it('writes with the yaml library whatever the fast writer does not take', () => {
    // Validation keeps such values out today; the writer must not depend on it.
    const odd = [{ 'set-name': 'bücher' }, { 'set-name': 'tab\there' }, { mtu: 1.5 }, { addresses: [] }, { routes: [[1]] }, { on: true }, {}];
    for (const e of odd) {
      const data: NetworkDataV2 = { version: 2, ethernets: { eth1: e } };
      expect(blockYaml(data)).toBeUndefined();
      expect(networkDataYaml(data)).toBe(documentYaml(data));
    }
    const none: NetworkDataV2 = { version: 2, ethernets: {} };
    expect(networkDataYaml(none)).toBe('version: 2\nethernets: {}\n');
  });

  it('has the KubeVirt inline limit of 2048 bytes', () => {
    expect(INLINE_CLOUD_INIT_LIMIT).toBe(2048);
  });
});

describe('networkDataYaml keys', () => {
  it('keeps NIC names like on/yes strings for a YAML 1.1 reader', () => {
    const vm = resolveOk(withNets({ name: 'on' }, { name: 'yes' }));
    const parsed = parse(networkDataYaml(buildNetworkData(vm)), { version: '1.1', uniqueKeys: false });
    expect(Object.keys(parsed.ethernets).sort()).toEqual(['default', 'on', 'yes']);
  });
});
