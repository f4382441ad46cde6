import { Inventory, IssueCollector, ResolvedSubnet, SubnetConfig, resolveSubnet } from '../../../src/model';
import { resolveOk, withNets } from '../fixtures';

function subnet(cfg: SubnetConfig, nad: string): ResolvedSubnet {
  const issues = new IssueCollector();
  const resolved = resolveSubnet(cfg, nad, 'default', 'subnet', issues);
  expect(issues.issues).toEqual([]);
  return resolved!;
}

describe('Inventory.addVm', () => {
  it('fails if two VMs have the same MAC', () => {
    const inv = new Inventory();
    expect(inv.addVm(resolveOk(withNets({ name: 'eth1', macAddress: '02:00:00:00:00:01' }), { name: 'a' }), 'VM a')).toEqual([]);
    const issues = inv.addVm(resolveOk(withNets({ name: 'data', macAddress: '02:00:00:00:00:01' }), { name: 'b' }), 'VM b');
    expect(issues).toEqual([{
      severity: 'error',
      path: 'networks[0].macAddress',
      message: '\'02:00:00:00:00:01\' is already the MAC of VM a (networks[0].macAddress); MACs must be unique across the app',
      cites: ['networks[0].macAddress'],
    }]);
  });

  it('accepts the same VM recorded twice by the same owner', () => {
    const inv = new Inventory();
    const vm = resolveOk(withNets({ name: 'eth1', nadName: 'net1', ipConfig: { address: '10.0.0.5/24', gateway: '10.0.0.1' } }));
    expect(inv.addVm(vm, 'VM vm1')).toEqual([]);
    expect(inv.addVm(vm, 'VM vm1')).toEqual([]);
  });

  it('accepts VMs with derived MACs', () => {
    const inv = new Inventory();
    expect(inv.addVm(resolveOk(withNets({ name: 'eth1' }), { name: 'a' }), 'VM a')).toEqual([]);
    expect(inv.addVm(resolveOk(withNets({ name: 'eth1' }), { name: 'b' }), 'VM b')).toEqual([]);
  });

  it('fails if two VMs use the same static IP on the same network', () => {
    const inv = new Inventory();
    const spec = withNets({ name: 'eth1', nadName: 'net1', ipConfig: { address: '10.0.0.5/24', gateway: '10.0.0.1' } });
    inv.addVm(resolveOk(spec, { name: 'a' }), 'VM a');
    expect(inv.addVm(resolveOk(spec, { name: 'b' }), 'VM b')).toEqual([{
      severity: 'error',
      path: 'networks[0].ipConfig',
      message: '10.0.0.5 is already used on network default/net1 by VM a (networks[0].ipConfig); give each VM its own address',
      cites: ['networks[0].ipConfig'],
    }]);
  });

  it('compares IPv6 addresses in canonical form', () => {
    const inv = new Inventory();
    const spec = (address: string) => withNets({ name: 'eth1', nadName: 'net1', ipConfig: { address } });
    inv.addVm(resolveOk(spec('2001:db8::5/64'), { name: 'a' }), 'VM a');
    expect(inv.addVm(resolveOk(spec('2001:DB8:0::5/64'), { name: 'b' }), 'VM b').map(i => i.message)).toEqual([
      '2001:db8::5 is already used on network default/net1 by VM a (networks[0].ipConfig); give each VM its own address',
    ]);
  });

  it('accepts the same IP on different networks, and DHCP NICs', () => {
    const inv = new Inventory();
    inv.addVm(resolveOk(withNets({ name: 'eth1', nadName: 'net1', ipConfig: { address: '10.0.0.5/24' } }), { name: 'a' }), 'VM a');
    expect(inv.addVm(resolveOk(withNets({ name: 'eth1', nadName: 'net2', ipConfig: { address: '10.0.0.5/24' } }), { name: 'b' }), 'VM b')).toEqual([]);
    expect(inv.addVm(resolveOk(withNets({ name: 'eth1', nadName: 'net1' }), { name: 'c' }), 'VM c')).toEqual([]);
  });

  it('tells the same NAD name in different namespaces apart', () => {
    const inv = new Inventory();
    const spec = withNets({ name: 'eth1', nadName: 'net1', ipConfig: { address: '10.0.0.5/24' } });
    inv.addVm(resolveOk(spec, { name: 'a', namespace: 'x' }), 'VM x/a');
    expect(inv.addVm(resolveOk(spec, { name: 'a', namespace: 'y' }), 'VM y/a')).toEqual([]);
  });
});

describe('Inventory.addNad', () => {
  it('fails if a NAD has two owners', () => {
    const inv = new Inventory();
    expect(inv.addNad('prod', 'net1', 'VM a', 'networks[0]')).toEqual([]);
    expect(inv.addNad('prod', 'net1', 'MultiNic rack1', 'networks[2]')).toEqual([{
      severity: 'error', path: 'networks[2]', message: 'NAD \'prod/net1\' is also created by VM a (networks[0]); rename one of them', cites: ['networks[0]'],
    }]);
  });

  it('accepts the same owner twice and the same name in another namespace', () => {
    const inv = new Inventory();
    inv.addNad('prod', 'net1', 'VM a', 'networks[0]');
    expect(inv.addNad('prod', 'net1', 'VM a', 'networks[0]')).toEqual([]);
    expect(inv.addNad('dev', 'net1', 'VM b', 'networks[0]')).toEqual([]);
  });
});

describe('Inventory.addSubnet', () => {
  it('fails if two owners create a Subnet of the same name', () => {
    const inv = new Inventory();
    expect(inv.addSubnet(subnet({ cidrBlock: '10.20.0.0/24', name: 'data' }, 'a-nad'), 'VM a', 'networks[0].subnet')).toEqual([]);
    expect(inv.addSubnet(subnet({ cidrBlock: '10.30.0.0/24', name: 'data' }, 'b-nad'), 'VM b', 'networks[1].subnet')).toEqual([{
      severity: 'error',
      path: 'networks[1].subnet.name',
      message: 'Subnet \'data\' is also created by VM a (networks[0].subnet); Subnets are cluster-scoped, so give this one another name',
      cites: ['networks[0].subnet'],
    }]);
  });

  it('fails if the same owner records a different Subnet under one name', () => {
    const inv = new Inventory();
    inv.addSubnet(subnet({ cidrBlock: '10.20.0.0/24', name: 'data' }, 'a-nad'), 'VM a', 's');
    expect(inv.addSubnet(subnet({ cidrBlock: '10.30.0.0/24', name: 'data' }, 'a-nad'), 'VM a', 's').map(i => i.path)).toEqual(['s.name']);
  });

  it('accepts the same Subnet from the same owner again', () => {
    const inv = new Inventory();
    inv.addSubnet(subnet({ cidrBlock: '10.20.0.0/24' }, 'a-nad'), 'VM a', 's');
    expect(inv.addSubnet(subnet({ cidrBlock: '10.20.0.0/24' }, 'a-nad'), 'VM a', 's')).toEqual([]);
  });

  it('fails if two Subnets of one VPC overlap', () => {
    const inv = new Inventory();
    inv.addSubnet(subnet({ cidrBlock: '10.20.0.0/16' }, 'a-nad'), 'VM a', 'networks[0].subnet');
    expect(inv.addSubnet(subnet({ cidrBlock: '10.20.5.0/24' }, 'b-nad'), 'VM b', 'networks[0].subnet')).toEqual([{
      severity: 'error',
      path: 'networks[0].subnet.cidrBlock',
      message: '10.20.5.0/24 overlaps Subnet \'a-nad\' of VM a (networks[0].subnet) in the same VPC; Kube-OVN rejects overlapping subnets, pick a disjoint CIDR',
      cites: ['networks[0].subnet'],
    }]);
  });

  it('fails if the IPv6 halves of dual-stack Subnets overlap', () => {
    const inv = new Inventory();
    inv.addSubnet(subnet({ cidrBlock: '10.20.0.0/24,2001:db8::/64' }, 'a-nad'), 'VM a', 's');
    expect(inv.addSubnet(subnet({ cidrBlock: '10.30.0.0/24,2001:db8::/64' }, 'b-nad'), 'VM b', 't').map(i => i.message))
      .toEqual([expect.stringMatching(/^2001:db8::\/64 overlaps Subnet 'a-nad'/)]);
  });

  it('accepts overlapping Subnets in different VPCs or VLANs, and disjoint ones in one VPC', () => {
    const inv = new Inventory();
    inv.addSubnet(subnet({ cidrBlock: '10.20.0.0/24' }, 'a-nad'), 'VM a', 's');
    expect(inv.addSubnet(subnet({ cidrBlock: '10.20.0.0/24', vpc: 'tenant' }, 'b-nad'), 'VM b', 's')).toEqual([]);
    expect(inv.addSubnet(subnet({ cidrBlock: '10.20.0.0/24', vlan: 'v100' }, 'c-nad'), 'VM c', 's')).toEqual([]);
    expect(inv.addSubnet(subnet({ cidrBlock: '10.21.0.0/24' }, 'd-nad'), 'VM d', 's')).toEqual([]);
  });
});
