import { Ip, IssueCollector, SubnetConfig, resolveSubnet } from '../../../src/model';
import { parseIp } from '../../../src/model/net/ip';
import { DEFAULT_VPC, isExcluded, kubeOvnAnnotations, normalizeExcludeIps } from '../../../src/model/net/kube-ovn';
import { podInterfaceName } from '../../../src/model/net/names';
import { expectError, resolveOk, withNets } from '../fixtures';

function ip(text: string): Ip {
  const parsed = parseIp(text);
  if (!parsed) throw new Error(`bad IP in test: ${text}`);
  return parsed;
}

function range(text: string) {
  const [a, b] = text.split('..');
  return { start: ip(a), end: ip(b ?? a) };
}

const PATH = 'networks[0].subnet';

function subnet(cfg: SubnetConfig, nad = 'vm1-ovn-nad', namespace = 'default') {
  const issues = new IssueCollector();
  const resolved = resolveSubnet(cfg, nad, namespace, PATH, issues);
  return { resolved, issues: issues.issues };
}

/** Asserts `cfg` fails with exactly one error at `path` matching `message`. */
function expectSubnetError(cfg: SubnetConfig, path: string, message: RegExp): void {
  const { resolved, issues } = subnet(cfg);
  expect(resolved).toBeUndefined();
  expect(issues).toEqual([{ severity: 'error', path, message: expect.stringMatching(message) }]);
}

describe('resolveSubnet defaults', () => {
  it('names the subnet after the NAD, takes the first address as gateway and excludes it', () => {
    const { resolved, issues } = subnet({ cidrBlock: '10.20.0.0/24' });
    expect(issues).toEqual([]);
    expect(resolved?.name).toBe('vm1-ovn-nad');
    expect(resolved?.spec).toEqual({
      protocol: 'IPv4',
      cidrBlock: '10.20.0.0/24',
      gateway: '10.20.0.1',
      excludeIps: ['10.20.0.1'],
      provider: 'vm1-ovn-nad.default.ovn',
      vpc: 'ovn-cluster',
      gatewayType: 'distributed',
      enableLb: true,
      vlan: undefined,
      mtu: undefined,
      natOutgoing: undefined,
      private: undefined,
    });
    expect(resolved?.cidrs.map(c => c.network)).toEqual(['10.20.0.0/24']);
    expect(DEFAULT_VPC).toBe('ovn-cluster');
  });

  it('writes IPv6 in canonical lower case', () => {
    const { resolved } = subnet({ cidrBlock: '2001:DB8:0:0::/64', gateway: '2001:DB8::FE', excludeIps: ['2001:DB8::10..2001:DB8::20'] });
    expect(resolved?.spec).toMatchObject({
      protocol: 'IPv6', cidrBlock: '2001:db8::/64', gateway: '2001:db8::fe', excludeIps: ['2001:db8::10..2001:db8::20', '2001:db8::fe'],
    });
  });

  it('makes a dual-stack subnet with protocol Dual and one gateway per family', () => {
    const { resolved, issues } = subnet({ cidrBlock: '10.20.0.0/24,2001:db8::/64' });
    expect(issues).toEqual([]);
    expect(resolved?.spec).toMatchObject({
      protocol: 'Dual', cidrBlock: '10.20.0.0/24,2001:db8::/64', gateway: '10.20.0.1,2001:db8::1', excludeIps: ['10.20.0.1', '2001:db8::1'],
    });
  });

  it('keeps name, vpc, vlan, mtu, natOutgoing and private as given', () => {
    const { resolved } = subnet({ cidrBlock: '10.20.0.0/24', name: 'data', vpc: 'tenant-a', vlan: 'vlan100', mtu: 1400, natOutgoing: true, private: false },
      'x-nad', 'prod');
    expect(resolved?.name).toBe('data');
    expect(resolved?.spec).toMatchObject({ provider: 'x-nad.prod.ovn', vpc: 'tenant-a', vlan: 'vlan100', mtu: 1400, natOutgoing: true, private: false });
  });

  it('accepts the provider when it is exactly <nad>.<namespace>.ovn', () => {
    expect(subnet({ cidrBlock: '10.20.0.0/24', provider: 'vm1-ovn-nad.default.ovn' }).issues).toEqual([]);
  });
});

describe('resolveSubnet rules', () => {
  it('fails if cidrBlock is not a CIDR', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0' }, `${PATH}.cidrBlock`, /'10\.20\.0\.0' is not a CIDR; write it like '172\.17\.0\.0\/16'/);
  });

  it('fails if cidrBlock has host bits set', () => {
    expectSubnetError({ cidrBlock: '10.20.0.5/24' }, `${PATH}.cidrBlock`, /'10\.20\.0\.5\/24' has host bits set; write the network address '10\.20\.0\.0\/24'/);
  });

  it('fails if cidrBlock is a /32', () => {
    expectSubnetError({ cidrBlock: '10.20.0.5/32' }, `${PATH}.cidrBlock`, /'10\.20\.0\.5\/32' holds a single address; .*use a shorter prefix/);
  });

  it('fails if cidrBlock is a /128', () => {
    expectSubnetError({ cidrBlock: '2001:db8::5/128' }, `${PATH}.cidrBlock`, /'2001:db8::5\/128' holds a single address; Kube-OVN rejects \/32 and \/128/);
  });

  it.each([
    ['127.0.0.0/8', 'loopback'], ['224.0.0.0/4', 'multicast'], ['169.254.0.0/16', 'linkLocal'], ['fe80::/64', 'linkLocal'], ['0.0.0.0/8', 'unspecified'],
    ['ff00::/8', 'multicast'],
  ])('fails if cidrBlock %s lies in the %s range', (cidrBlock, rangeName) => {
    expectSubnetError({ cidrBlock }, `${PATH}.cidrBlock`, new RegExp(`'${cidrBlock.replace(/\./g, '\\.')}' lies in the ${rangeName} range.*pick a unicast network`));
  });

  it('fails if cidrBlock holds two CIDRs of one family', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24,10.21.0.0/24' }, `${PATH}.cidrBlock`,
      /'10\.20\.0\.0\/24,10\.21\.0\.0\/24' must be one CIDR or one IPv4 and one IPv6 CIDR separated by ','/);
  });

  it('fails if cidrBlock holds three CIDRs', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24,2001:db8::/64,10.21.0.0/24' }, `${PATH}.cidrBlock`, /must be one CIDR or one IPv4 and one IPv6 CIDR/);
  });

  it('fails if gateway does not give one gateway per CIDR', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24,2001:db8::/64', gateway: '10.20.0.1' }, `${PATH}.gateway`,
      /'10\.20\.0\.1' must name one gateway per CIDR of cidrBlock, in the same order/);
  });

  it('fails if gateway is not an IP address', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24', gateway: 'router' }, `${PATH}.gateway`, /'router' is not an IP address/);
  });

  it('fails if gateway is outside the subnet', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24', gateway: '10.21.0.1' }, `${PATH}.gateway`,
      /'10\.21\.0\.1' is not a usable address of 10\.20\.0\.0\/24; pick a host address inside it/);
  });

  it('fails if gateway is the broadcast address', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24', gateway: '10.20.0.255' }, `${PATH}.gateway`, /'10\.20\.0\.255' is not a usable address of 10\.20\.0\.0\/24/);
  });

  it('fails if the dual-stack gateways are in the wrong order', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24,2001:db8::/64', gateway: '2001:db8::1,10.20.0.1' }, `${PATH}.gateway`,
      /'2001:db8::1' is not a usable address of 10\.20\.0\.0\/24/);
  });

  it('fails if an excludeIps entry is neither an IP nor a range', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24', excludeIps: ['10.20.0.0/28'] }, `${PATH}.excludeIps[0]`,
      /'10\.20\.0\.0\/28' is neither an IP nor a range 'a\.\.b'/);
    expectSubnetError({ cidrBlock: '10.20.0.0/24', excludeIps: ['10.20.0.1..10.20.0.2..10.20.0.3'] }, `${PATH}.excludeIps[0]`, /neither an IP nor a range/);
  });

  it('fails if an excludeIps range runs backwards', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24', excludeIps: ['10.20.0.1', '10.20.0.50..10.20.0.10'] }, `${PATH}.excludeIps[1]`,
      /'10\.20\.0\.50\.\.10\.20\.0\.10' must run from a lower to a higher address of the same family/);
  });

  it('fails if an excludeIps range mixes families', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24,2001:db8::/64', excludeIps: ['10.20.0.5..2001:db8::5'] }, `${PATH}.excludeIps[0]`,
      /must run from a lower to a higher address of the same family/);
  });

  it('fails if an excludeIps entry is outside the subnet', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24', excludeIps: ['10.20.0.200..10.20.1.10'] }, `${PATH}.excludeIps[0]`,
      /'10\.20\.0\.200\.\.10\.20\.1\.10' is outside cidrBlock 10\.20\.0\.0\/24; keep excluded addresses inside the subnet/);
  });

  it('fails if provider is not <nad>.<namespace>.ovn', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24', provider: 'ovn' }, `${PATH}.provider`,
      /'ovn' does not match the NAD; .*provider 'vm1-ovn-nad\.default\.ovn' \(<nad>\.<namespace>\.ovn\), so remove the field/);
  });

  it('fails if the subnet name equals the VPC name', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24', name: 'tenant-a', vpc: 'tenant-a' }, `${PATH}.name`,
      /'tenant-a' equals the VPC name; Kube-OVN rejects a subnet named after its VPC, rename it/);
    expectSubnetError({ cidrBlock: '10.20.0.0/24', name: 'ovn-cluster' }, `${PATH}.name`, /'ovn-cluster' equals the VPC name/);
  });

  it('fails if the subnet name is not a DNS-1123 label', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24', name: 'Data_Net' }, `${PATH}.name`, /'Data_Net' is not a DNS-1123 label; use lower-case letters/);
  });

  it('fails if subnet mtu is out of range 68..65535', () => {
    expectSubnetError({ cidrBlock: '10.20.0.0/24', mtu: 65536 }, `${PATH}.mtu`, /65536 is out of range 68\.\.65535/);
  });

  it('reports every subnet problem at once', () => {
    const { issues } = subnet({ cidrBlock: '10.20.0.0/24', provider: 'x', gateway: '10.99.0.1', excludeIps: ['nope'] });
    expect(issues.map(i => i.path)).toEqual([`${PATH}.provider`, `${PATH}.gateway`, `${PATH}.excludeIps[0]`]);
  });
});

describe('normalizeExcludeIps', () => {
  it('merges overlapping ranges, adds the gateway and sorts as text like kube-ovn-controller', () => {
    const ranges = ['10.0.0.100..10.0.0.200', '10.0.0.50..10.0.0.150', '10.0.0.9', '10.0.0.60..10.0.0.70'].map(range);
    expect(normalizeExcludeIps(ranges, [ip('10.0.0.1')])).toEqual(['10.0.0.1', '10.0.0.50..10.0.0.200', '10.0.0.9']);
  });

  it('merges ranges that share an end address', () => {
    expect(normalizeExcludeIps(['10.0.0.10..10.0.0.20', '10.0.0.20..10.0.0.30'].map(range), [])).toEqual(['10.0.0.10..10.0.0.30']);
  });

  it('does not add a gateway that a range already covers', () => {
    expect(normalizeExcludeIps([range('10.0.0.1..10.0.0.10')], [ip('10.0.0.1')])).toEqual(['10.0.0.1..10.0.0.10']);
  });

  it('collapses a one-address range to the address', () => {
    expect(normalizeExcludeIps([range('10.0.0.5..10.0.0.5')], [])).toEqual(['10.0.0.5']);
  });

  it('keeps families apart and writes IPv6 in lower case', () => {
    const ranges = [range('2001:DB8::1..2001:DB8::FF'), range('10.0.0.5')];
    expect(normalizeExcludeIps(ranges, [ip('10.0.0.1'), ip('2001:db8::1')])).toEqual(['10.0.0.1', '10.0.0.5', '2001:db8::1..2001:db8::ff']);
  });
});

describe('isExcluded', () => {
  const excluded = ['10.0.0.1', '10.0.0.50..10.0.0.200', '2001:db8::10..2001:db8::20'];

  it('finds addresses in single entries and ranges', () => {
    expect(isExcluded(excluded, ip('10.0.0.1'))).toBe(true);
    expect(isExcluded(excluded, ip('10.0.0.50'))).toBe(true);
    expect(isExcluded(excluded, ip('10.0.0.200'))).toBe(true);
    expect(isExcluded(excluded, ip('2001:db8::15'))).toBe(true);
  });

  it('misses addresses outside every entry', () => {
    expect(isExcluded(excluded, ip('10.0.0.2'))).toBe(false);
    expect(isExcluded(excluded, ip('10.0.0.201'))).toBe(false);
    expect(isExcluded(excluded, ip('2001:db8::21'))).toBe(false);
    expect(isExcluded([], ip('10.0.0.1'))).toBe(false);
  });
});

describe('kubeOvnAnnotations', () => {
  it('uses <provider>.kubernetes.io keys for a NAD attached once', () => {
    expect(kubeOvnAnnotations('n1.prod.ovn', ['10.0.0.10', '2001:db8::10'], '02:00:00:00:00:01')).toEqual({
      'n1.prod.ovn.kubernetes.io/ip_address': '10.0.0.10,2001:db8::10',
      'n1.prod.ovn.kubernetes.io/mac_address': '02:00:00:00:00:01',
    });
  });

  it('fixes only the MAC when there is no static address', () => {
    expect(kubeOvnAnnotations('n1.prod.ovn', [], '02:00:00:00:00:01')).toEqual({ 'n1.prod.ovn.kubernetes.io/mac_address': '02:00:00:00:00:01' });
  });

  it('uses per-interface <nad>.<ns>.kubernetes.io/...<podIfName> keys when a pod interface name is given', () => {
    const ifName = podInterfaceName('data');
    expect(kubeOvnAnnotations('n1.prod.ovn', ['10.0.0.10'], '02:00:00:00:00:01', ifName)).toEqual({
      [`n1.prod.kubernetes.io/ip_address.${ifName}`]: '10.0.0.10',
      [`n1.prod.kubernetes.io/mac_address.${ifName}`]: '02:00:00:00:00:01',
    });
  });
});

describe('kube-ovn subnets in a VM spec', () => {
  it('resolves the subnet of a kube-ovn NIC with the NAD name and VM namespace', () => {
    const vm = resolveOk(withNets({ name: 'ovn', type: 'kube-ovn', subnet: { cidrBlock: '10.20.0.0/24' } }), { name: 'vm1', namespace: 'prod' });
    const nic = vm.nics[1];
    expect(nic.kubeOvn?.provider).toBe('vm1-ovn-nad.prod.ovn');
    expect(nic.kubeOvn?.subnet?.name).toBe('vm1-ovn-nad');
    expect(nic.kubeOvn?.subnet?.spec.provider).toBe('vm1-ovn-nad.prod.ovn');
  });

  it('fails if the subnet of a kube-ovn NIC has errors, with the path of the NIC', () => {
    expectError(withNets({ name: 'ovn', type: 'kube-ovn', subnet: { cidrBlock: '10.20.0.7/24' } }), 'networks[0].subnet.cidrBlock',
      /'10\.20\.0\.7\/24' has host bits set; write the network address '10\.20\.0\.0\/24'/);
  });
});
