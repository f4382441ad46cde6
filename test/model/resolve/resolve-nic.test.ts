import { deriveMac } from '../../../src/model/net/mac';
import { BINDINGS } from '../../../src/model/resolve/resolve-nic';
import { expectError, expectIssue, expectWarning, nicOf, resolve, resolveOk, warningsOf, withNets } from '../fixtures';

const SRIOV = { type: 'sriov', resourceName: 'intel.com/sriov_netdevice' };
const OVN_SUBNET = { cidrBlock: '10.20.0.0/24' };

describe('NIC names', () => {
  it('fails if a NIC name is all digits, which YAML and the network data order would read as a number', () => {
    expectError(withNets({ name: '10' }), 'networks[0].name', /^'10' is all digits; give the NIC a name with a letter, e\.g\. 'net10'$/);
  });

  it('accepts letters, digits, - and _ with nadName (no derived NAD name)', () => {
    expect(resolveOk(withNets({ name: 'Eth_1-a', nadName: 'net1' })).nics[1].name).toBe('Eth_1-a');
  });

  it.each([['eth.1'], ['eth/1'], ['eth 1'], ['ethé']])('fails if the NIC name %j breaks ^[A-Za-z0-9-_]+$', name => {
    const issues = expectError(withNets({ name, nadName: 'net1' }), 'networks[0].name',
      /may only hold letters, digits, '-' and '_' \(KubeVirt interface names\)/);
    expectIssue(issues, 'error', 'networks[0].name', new RegExp(`^'${name.replace('.', '\\.')}' may only hold`));
  });

  it('fails if the NIC name is longer than 15 characters', () => {
    expectError(withNets({ name: 'storage-network1', nadName: 'net1' }), 'networks[0].name',
      /^'storage-network1' is 16 characters long; Linux interface names hold at most 15; it becomes the guest interface name$/);
  });

  it('fails if the NIC name is empty', () => {
    expectError(withNets({ name: '', nadName: 'net1' }), 'networks[0].name', /^'' must not be empty; it becomes the guest interface name$/);
  });

  it('fails if the derived NAD name {vm}-{nic}-nad is too long, naming the fix', () => {
    const vmName = 'v'.repeat(55);
    expectError(withNets({ name: 'storage1', type: 'sriov', resourceName: 'intel.com/sriov' }), 'networks[0].name',
      new RegExp(`gives the NAD name '${vmName}-storage1-nad', which is 68 characters long; the limit is 63; shorten the VM or NIC name, or set nadName`),
      { meta: { name: vmName } });
  });

  it('fails if the derived NAD name is not a DNS-1123 label (upper case NIC name)', () => {
    expectError(withNets({ name: 'Data', ...SRIOV }), 'networks[0].name', /gives the NAD name 'vm1-Data-nad', which is not a DNS-1123 label/);
  });

  it('derives the NAD name {vm}-{nic}-nad in the VM namespace', () => {
    const nic = resolveOk(withNets({ name: 'data' }), { name: 'web', namespace: 'prod' }).nics[1];
    expect(nic.nad).toEqual({
      name: 'web-data-nad',
      namespace: 'prod',
      owner: 'vm',
      config: { cniVersion: '0.3.1', name: 'web-data-nad', type: 'bridge', bridge: 'br-data', ipam: {} },
      resourceName: undefined,
    });
  });
});

describe('nadName', () => {
  it('reuses an existing NAD in the VM namespace and creates none', () => {
    const nic = resolveOk(withNets({ name: 'data', nadName: 'net1' }), { name: 'vm1', namespace: 'prod' }).nics[1];
    expect(nic.nad).toEqual({ name: 'net1', namespace: 'prod', owner: 'external', resourceName: undefined });
  });

  it('reuses a NAD of another namespace with namespace/name', () => {
    const nic = resolveOk(withNets({ name: 'data', type: 'sriov', nadName: 'infra/sriov-net' })).nics[1];
    expect(nic.nad).toEqual({ name: 'sriov-net', namespace: 'infra', owner: 'external', resourceName: undefined });
  });

  it('builds the CNI config of a NAD shared by a MultiNic', () => {
    const nic = resolveOk(withNets({ name: 'data', nadName: 'rack1-data-nad', sharedBy: 'rack1', vlanId: 20 })).nics[1];
    expect(nic.nad).toEqual({
      name: 'rack1-data-nad',
      namespace: 'default',
      owner: 'shared',
      config: { cniVersion: '0.3.1', name: 'rack1-data-nad', type: 'bridge', bridge: 'br-data', vlan: 20, ipam: {} },
      resourceName: undefined,
    });
  });

  it('fails if nadName is not a DNS-1123 label', () => {
    expectError(withNets({ name: 'data', nadName: 'Net_1' }), 'networks[0].nadName', /^'Net_1': 'Net_1' is not a DNS-1123 label; use lower-case/);
  });

  it('fails if the namespace part of nadName is not a DNS-1123 label', () => {
    expectError(withNets({ name: 'data', nadName: 'Infra/net1' }), 'networks[0].nadName', /^'Infra\/net1': 'Infra' is not a DNS-1123 label/);
  });

  it('fails if nadName has an empty part', () => {
    expectError(withNets({ name: 'data', nadName: 'infra/' }), 'networks[0].nadName', /^'infra\/': '' must not be empty$/);
  });

  it.each([['vlanId', 10], ['bridgeName', 'br1'], ['cniVersion', '1.0.0']])('warns that nadName ignores %s', (field, value) => {
    expectWarning(withNets({ name: 'data', nadName: 'net1', [field]: value }), `networks[0].${field}`,
      /^is ignored: nadName reuses the existing NAD 'net1', whose config stays as it is$/);
  });

  it('warns that nadName ignores master of a macvlan NIC', () => {
    expectWarning(withNets({ name: 'mv', type: 'macvlan', nadName: 'net1', master: 'eth1' }), 'networks[0].master', /is ignored: nadName reuses/);
  });
});

describe('type-specific fields', () => {
  it.each([[0], [4095], [1.5], [-1]])('fails if vlanId %p is out of range 1..4094', vlanId => {
    expectError(withNets({ name: 'eth1', vlanId }), 'networks[0].vlanId', new RegExp(`^${String(vlanId).replace('.', '\\.')} is out of range 1\\.\\.4094$`));
  });

  it('accepts vlanId 1 and 4094', () => {
    resolveOk(withNets({ name: 'eth1', vlanId: 1 }, { name: 'eth2', vlanId: 4094 }));
  });

  it('fails if a kube-ovn NIC sets vlanId, pointing to subnet.vlan', () => {
    expectError(withNets({ name: 'ovn', type: 'kube-ovn', vlanId: 100, subnet: OVN_SUBNET }), 'networks[0].vlanId',
      /^100 does not apply to kube-ovn NICs; set subnet.vlan to the name of a Kube-OVN Vlan object$/);
  });

  it.each([['sriov', SRIOV], ['macvlan', {}], ['kube-ovn', { subnet: OVN_SUBNET }]])('fails if a %s NIC sets bridgeName', (type, extra) => {
    expectError(withNets({ name: 'eth1', ...extra, type, bridgeName: 'br0' }), 'networks[0].bridgeName',
      new RegExp(`^'br0' only applies to bridge and ovs NICs, not ${type}; remove it$`));
  });

  it('fails if bridgeName is longer than 15 characters', () => {
    expectError(withNets({ name: 'eth1', bridgeName: 'br-very-long-name' }), 'networks[0].bridgeName',
      /^'br-very-long-name' is 17 characters long; Linux interface names hold at most 15$/);
  });

  it('fails if bridgeName is not an interface name', () => {
    expectError(withNets({ name: 'eth1', type: 'ovs', vlanId: 5, bridgeName: 'br:0' }), 'networks[0].bridgeName', /^'br:0' is not a valid Linux interface name/);
  });

  it('fails if the default bridge name br-<name> is too long, telling to set bridgeName', () => {
    expectError(withNets({ name: 'storage-network' }), 'networks[0].name',
      /^the default bridge name 'br-storage-network' is 18 characters long; Linux interface names hold at most 15; set bridgeName$/);
    const nic = resolveOk(withNets({ name: 'storage-network', bridgeName: 'br-storage' })).nics[1];
    expect(nic.nad?.config).toMatchObject({ bridge: 'br-storage' });
  });

  it.each([['bridge', {}], ['ovs', { vlanId: 3 }], ['sriov', SRIOV]])('fails if a %s NIC sets master', (type, extra) => {
    expectError(withNets({ name: 'eth1', ...extra, type, master: 'eth1' }), 'networks[0].master', new RegExp(`^'eth1' only applies to macvlan NICs, not ${type}; remove it$`));
  });

  it('fails if the macvlan lower device master.vlanId is too long', () => {
    expectError(withNets({ name: 'mv', type: 'macvlan', master: 'enp175s0f0np0', vlanId: 100 }), 'networks[0].master',
      /^lower device 'enp175s0f0np0\.100' is 17 characters long; Linux interface names hold at most 15$/);
  });

  it.each([['bridge', {}], ['sriov', SRIOV], ['macvlan', {}]])('fails if a %s NIC sets subnet', (type, extra) => {
    expectError(withNets({ name: 'eth1', ...extra, type, subnet: OVN_SUBNET }), 'networks[0].subnet', new RegExp(`^'${OVN_SUBNET.cidrBlock.replace(/\./g, '\\.').replace('/', '\\/')}' only applies to kube-ovn NICs, not ${type}; remove it$`));
  });

  it.each([['sriov_netdevice'], ['intel.com/'], ['a/b/c'], ['intel.com/sriov netdevice']])('fails if resourceName %j is not a device-plugin resource', rn => {
    expectError(withNets({ name: 'eth1', type: 'sriov', resourceName: rn }), 'networks[0].resourceName',
      new RegExp(`^'${rn.replace('.', '\\.')}' is not a device-plugin resource like 'intel\\.com/sriov_netdevice'$`));
  });

  it('fails if an sriov NIC has no resourceName and no nadName', () => {
    expectError(withNets({ name: 'vf1', type: 'sriov' }), 'networks[0].resourceName',
      /^is required for sriov NICs: name the SR-IOV device-plugin pool, e.g. 'intel.com\/sriov_netdevice'$/);
  });

  it('lets an sriov NIC reuse a NAD without resourceName', () => {
    expect(resolveOk(withNets({ name: 'vf1', type: 'sriov', nadName: 'sriov-net' })).nics[1].binding).toBe('sriov');
  });

  it.each([['bridge'], ['ovs'], ['sriov']])('fails if cniVersion is unknown to the %s plugin', type => {
    expectError(withNets({ name: 'eth1', ...SRIOV, type, vlanId: 9, cniVersion: '0.2.0' }), 'networks[0].cniVersion',
      new RegExp(`^'0\\.2\\.0' is not supported by the ${type} plugin; use one of 0\\.3\\.0, 0\\.3\\.1, 0\\.4\\.0, 1\\.0\\.0, 1\\.1\\.0$`));
  });

  it('fails if a macvlan NIC asks for cniVersion above 0.4.0 (macvtap-cni)', () => {
    expectError(withNets({ name: 'mv', type: 'macvlan', cniVersion: '1.0.0' }), 'networks[0].cniVersion',
      /^'1\.0\.0' is not supported by the macvtap plugin; use one of 0\.3\.0, 0\.3\.1, 0\.4\.0$/);
  });

  it('passes cniVersion into the NAD config', () => {
    expect(resolveOk(withNets({ name: 'eth1', cniVersion: '1.0.0' })).nics[1].nad?.config).toMatchObject({ cniVersion: '1.0.0' });
    expect(resolveOk(withNets({ name: 'mv', type: 'macvlan', cniVersion: '0.4.0' })).nics[1].nad?.config).toMatchObject({ cniVersion: '0.4.0' });
  });
});

describe('mtu and priority', () => {
  it.each([[67], [65536], [1500.5]])('fails if mtu %p is out of range 68..65535', mtu => {
    expectError(withNets({ name: 'eth1', mtu }), 'networks[0].mtu', new RegExp(`^${String(mtu).replace('.', '\\.')} is out of range 68\\.\\.65535$`));
  });

  it('fails if mtu is below 1280 on a NIC with an IPv6 address', () => {
    expectError(withNets({ name: 'eth1', mtu: 1000, ipConfig: { address: '2001:db8::10/64', gateway: '2001:db8::1' } }), 'networks[0].mtu',
      /^1000 is below 1280, the IPv6 minimum \(RFC 8200\), and this NIC has an IPv6 address; raise it$/);
  });

  it('accepts a small mtu on IPv4 and 1280 on IPv6', () => {
    expect(resolveOk(withNets({ name: 'eth1', mtu: 576, ipConfig: { address: '10.0.0.5/24', gateway: '10.0.0.1' } })).nics[1].mtu).toBe(576);
    expect(resolveOk(withNets({ name: 'eth1', mtu: 1280, ipConfig: { address: '2001:db8::10/64', gateway: '2001:db8::1' } })).nics[1].mtu).toBe(1280);
  });

  it('puts mtu into the NAD config', () => {
    expect(resolveOk(withNets({ name: 'eth1', mtu: 9000 })).nics[1].nad?.config).toMatchObject({ mtu: 9000 });
  });

  it.each([[-1], [1.5], [1000001]])('fails if priority %p is out of range 0..1000000', priority => {
    expectError(withNets({ name: 'eth1', priority }), 'networks[0].priority', new RegExp(`^${String(priority).replace('.', '\\.')} is out of range 0\\.\\.1000000$`));
  });
});

describe('MAC addresses', () => {
  it('derives a stable MAC from namespace/vm/nic', () => {
    const nic = resolveOk(withNets({ name: 'eth1' })).nics[1];
    expect([nic.mac, nic.macSource]).toEqual(['2e:a5:f7:be:c9:42', 'derived']);
    expect(nic.mac).toBe(deriveMac('default', 'vm1', 'eth1'));
  });

  it('normalizes a given MAC to lower case', () => {
    const nic = resolveOk(withNets({ name: 'eth1', macAddress: '02:AB:CD:00:00:01' })).nics[1];
    expect([nic.mac, nic.macSource]).toEqual(['02:ab:cd:00:00:01', 'given']);
  });

  it('keeps an all-digit MAC as a string', () => {
    expect(resolveOk(withNets({ name: 'eth1', macAddress: '02:11:22:33:44:55' })).nics[1].mac).toBe('02:11:22:33:44:55');
  });

  it.each([['02-00-00-00-00-01'], ['02:00:00:00:00'], ['zz:00:00:00:00:01']])('fails if macAddress %j is not a MAC', mac => {
    expectError(withNets({ name: 'eth1', macAddress: mac }), 'networks[0].macAddress',
      new RegExp(`^'${mac}' is not a MAC address; write six hex octets like '02:00:00:00:00:01'$`));
  });

  it('fails if macAddress is multicast', () => {
    expectError(withNets({ name: 'eth1', macAddress: '01:00:5E:00:00:01' }), 'networks[0].macAddress',
      /^'01:00:5E:00:00:01' is a multicast MAC; clear the lowest bit of the first octet/);
  });

  it('fails if macAddress is all zero', () => {
    expectError(withNets({ name: 'eth1', macAddress: '00:00:00:00:00:00' }), 'networks[0].macAddress',
      /^'00:00:00:00:00:00' is the all-zero MAC; pick a unicast address$/);
  });

  it('fails if two NICs of the VM share a MAC', () => {
    expectError(withNets({ name: 'eth1', macAddress: '02:00:00:00:00:01' }, { name: 'eth2', macAddress: '02:00:00:00:00:01' }), 'networks[1].macAddress',
      /^'02:00:00:00:00:01' is already used by networks\[0\]; every NIC needs its own MAC$/);
  });
});

describe('bindings and CNI configs per type', () => {
  it('maps types to KubeVirt bindings', () => {
    expect(BINDINGS).toEqual({ 'bridge': 'bridge', 'ovs': 'bridge', 'kube-ovn': 'bridge', 'sriov': 'sriov', 'macvlan': 'macvtap' });
  });

  it('builds a bridge NAD with vlan and mtu', () => {
    const nic = resolveOk(withNets({ name: 'data', bridgeName: 'br1', vlanId: 100, mtu: 9000 })).nics[1];
    expect([nic.type, nic.binding]).toEqual(['bridge', 'bridge']);
    expect(JSON.stringify(nic.nad?.config)).toBe('{"cniVersion":"0.3.1","name":"vm1-data-nad","type":"bridge","bridge":"br1","vlan":100,"mtu":9000,"ipam":{}}');
  });

  it('builds an ovs NAD (access port) without ipam', () => {
    const nic = resolveOk(withNets({ name: 'data', type: 'ovs', vlanId: 100 })).nics[1];
    expect(nic.binding).toBe('bridge');
    expect(nic.nad?.config).toEqual({ cniVersion: '0.3.1', name: 'vm1-data-nad', type: 'ovs', bridge: 'br-data', vlan: 100 });
  });

  it('builds an sriov NAD with the resourceName annotation value', () => {
    const nic = resolveOk(withNets({ name: 'vf1', ...SRIOV, vlanId: 10 })).nics[1];
    expect(nic.binding).toBe('sriov');
    expect(nic.nad).toMatchObject({
      config: { cniVersion: '0.3.1', name: 'vm1-vf1-nad', type: 'sriov', vlan: 10 }, resourceName: 'intel.com/sriov_netdevice',
    });
  });

  it('builds a macvtap NAD for a macvlan NIC with the macvtap resource of eth0 by default', () => {
    const nic = resolveOk(withNets({ name: 'mv', type: 'macvlan' })).nics[1];
    expect(nic.binding).toBe('macvtap');
    expect(nic.nad).toMatchObject({ config: { cniVersion: '0.3.1', name: 'vm1-mv-nad', type: 'macvtap' }, resourceName: 'macvtap.network.kubevirt.io/eth0' });
  });

  it('uses master.vlanId as the macvtap lower device', () => {
    const nic = resolveOk(withNets({ name: 'mv', type: 'macvlan', master: 'ens1f0', vlanId: 100 })).nics[1];
    expect(nic.nad?.resourceName).toBe('macvtap.network.kubevirt.io/ens1f0.100');
  });

  it('keeps a given resourceName of a macvlan NIC', () => {
    expect(resolveOk(withNets({ name: 'mv', type: 'macvlan', resourceName: 'macvtap.network.kubevirt.io/dataplane' })).nics[1].nad?.resourceName)
      .toBe('macvtap.network.kubevirt.io/dataplane');
  });

  it('builds a kube-ovn NAD with the provider <nad>.<ns>.ovn', () => {
    const nic = resolveOk(withNets({ name: 'ovn', type: 'kube-ovn', subnet: OVN_SUBNET }), { name: 'vm1', namespace: 'prod' }).nics[1];
    expect(nic.binding).toBe('bridge');
    expect(nic.nad?.config).toEqual({
      cniVersion: '0.3.1', name: 'vm1-ovn-nad', type: 'kube-ovn', server_socket: '/run/openvswitch/kube-ovn-daemon.sock', provider: 'vm1-ovn-nad.prod.ovn',
    });
    expect(nic.kubeOvn?.provider).toBe('vm1-ovn-nad.prod.ovn');
  });

  it('sets the kube-ovn provider of a reused NAD from its reference', () => {
    const nic = resolveOk(withNets({ name: 'ovn', type: 'kube-ovn', nadName: 'infra/ovn-net' })).nics[1];
    expect(nic.kubeOvn).toEqual({ provider: 'ovn-net.infra.ovn', subnet: undefined });
  });
});

describe('delivery both (the default for a static bridge or ovs NIC with its own NAD)', () => {
  it('is the default: the first IPv4 address goes into the NAD\'s static IPAM, every address stays in the network data', () => {
    const nic = resolveOk(withNets({ name: 'first' }, { name: 'data', ipConfig: { addresses: ['10.0.1.100/24', 'fd00:1::5/64'] }, routes: [{ destination: '10.1.0.0/16', gateway: '10.0.1.1' }] })).nics[2];
    expect(nic.ip.delivery).toBe('both');
    expect(nic.nad?.config?.ipam).toEqual({ type: 'static', addresses: [{ address: '10.0.1.100/24' }], routes: [{ dst: '10.1.0.0/16', gw: '10.0.1.1' }] });
  });

  it('is not the default for a NIC that reuses a NAD, an sriov NIC, an IPv6-only NIC or a /32', () => {
    const vm = resolveOk(withNets({ name: 'ext', nadName: 'infra/net', ipConfig: { address: '10.0.1.5/24' } }, { name: 'vf1', ...SRIOV, ipConfig: { address: '10.0.2.5/24' } },
      { name: 'v6', ipConfig: { address: 'fd00:3::5/64' } }, { name: 'host', ipConfig: { address: '10.0.4.5/32' } }));
    expect(vm.nics.slice(1).map(n => [n.name, n.ip.delivery, n.nad?.config?.ipam])).toEqual([
      ['ext', 'network-data', undefined], ['vf1', 'network-data', undefined], ['v6', 'network-data', {}], ['host', 'network-data', {}],
    ]);
  });

  it('fails if both is asked for a /32, which gives the pod interface no route for KubeVirt', () => {
    expectError(withNets({ name: 'host', ipConfig: { address: '10.0.4.5/32', delivery: 'both' } }), 'networks[0].ipConfig.delivery',
      /^'both' with 10\.0\.4\.5\/32 gives the pod interface no route, and KubeVirt's bridge binding then fails the NIC \("no gateway address found in routes"\); use a prefix below \/32 or 'network-data'$/);
  });

  it('fails if both is asked for an IPv6-only NIC', () => {
    expectError(withNets({ name: 'v6', ipConfig: { address: 'fd00:3::5/64', delivery: 'both' } }), 'networks[0].ipConfig.delivery',
      /^'both' needs an IPv4 address \(KubeVirt's DHCP serves IPv4 only\); use 'network-data'$/);
  });
});

describe('cni-ipam delivery', () => {
  const STATIC = { address: '10.0.1.100/24', gateway: '10.0.1.1', delivery: 'cni-ipam' };

  it('puts the address and a default route into the static IPAM of a bridge NAD', () => {
    const nic = resolveOk(withNets({ name: 'data', ipConfig: STATIC })).nics[1];
    expect(nic.nad?.config).toEqual({
      cniVersion: '0.3.1',
      name: 'vm1-data-nad',
      type: 'bridge',
      bridge: 'br-data',
      ipam: { type: 'static', addresses: [{ address: '10.0.1.100/24' }], routes: [{ dst: '0.0.0.0/0', gw: '10.0.1.1' }] },
    });
  });

  it('puts the static IPAM into an ovs NAD', () => {
    const nic = resolveOk(withNets({ name: 'data', type: 'ovs', vlanId: 5, ipConfig: STATIC })).nics[1];
    expect(nic.nad?.config).toMatchObject({ type: 'ovs', ipam: { type: 'static', addresses: [{ address: '10.0.1.100/24' }] } });
  });

  it('fails if cni-ipam is used on an sriov NIC', () => {
    expectError(withNets({ name: 'vf1', ...SRIOV, ipConfig: STATIC }), 'networks[0].ipConfig.delivery',
      /^'cni-ipam' needs a bridge or ovs NIC, not sriov; use 'network-data'$/);
  });

  it('fails if cni-ipam is used with nadName', () => {
    expectError(withNets({ name: 'data', nadName: 'net1', ipConfig: STATIC }), 'networks[0].ipConfig.delivery',
      /^'cni-ipam' puts only the static IPAM in the NIC's own NAD, but nadName reuses a shared one; use 'network-data'$/);
  });

  it('fails if cni-ipam is used with mode dhcp', () => {
    const issues = expectError(withNets({ name: 'data', ipConfig: { delivery: 'cni-ipam' } }), 'networks[0].ipConfig.delivery',
      /^'cni-ipam' needs mode 'static', not 'dhcp'$/);
    expectIssue(issues, 'error', 'networks[0].ipConfig.delivery', /carries exactly one IPv4 address/);
  });

  it('fails if cni-ipam is asked to carry IPv6', () => {
    expectError(withNets({ name: 'data', ipConfig: { address: '2001:db8::10/64', gateway: '2001:db8::1', delivery: 'cni-ipam' } }),
      'networks[0].ipConfig.delivery', /^'cni-ipam' carries exactly one IPv4 address; use 'both' or 'network-data' for IPv6 or several addresses$/, { only: false });
  });

  it('fails if cni-ipam is asked to carry two addresses', () => {
    expectError(withNets({ name: 'data', ipConfig: { addresses: ['10.0.1.100/24', '10.0.1.101/24'], gateway: '10.0.1.1', delivery: 'cni-ipam' } }),
      'networks[0].ipConfig.delivery', /carries exactly one IPv4 address/);
  });

  it('takes cni-ipam without a gateway: KubeVirt\'s DHCP then offers the connected route first, so no router', () => {
    const nic = resolveOk(withNets({ name: 'data', ipConfig: { address: '10.0.1.100/24', delivery: 'cni-ipam' } })).nics[1];
    expect(nic.nad?.config?.ipam).toEqual({ type: 'static', addresses: [{ address: '10.0.1.100/24' }] });
  });

  it('fails if a kube-ovn NIC asks for cni-ipam', () => {
    const issues = expectError(withNets({ name: 'ovn', type: 'kube-ovn', subnet: OVN_SUBNET, ipConfig: { address: '10.20.0.5/24', delivery: 'cni-ipam' } }),
      'networks[0].ipConfig.delivery', /^kube-ovn NICs get their address from Kube-OVN; remove the field$/, { only: false });
    expectIssue(issues, 'error', 'networks[0].ipConfig.delivery', /'cni-ipam' needs a bridge or ovs NIC, not kube-ovn/);
  });
});

describe('kube-ovn NICs', () => {
  const ovn = (ipConfig?: object, subnet: object = OVN_SUBNET) => withNets({ name: 'ovn', type: 'kube-ovn', subnet, ipConfig });

  it('fails if a kube-ovn NIC whose NAD is created here has no subnet', () => {
    expectError(withNets({ name: 'ovn', type: 'kube-ovn' }), 'networks[0].subnet',
      /^is required for a kube-ovn NIC whose NAD is created here; add subnet\.cidrBlock, or set nadName to reuse an existing NAD$/);
  });

  it('fails if a kube-ovn NIC with a shared NAD has no subnet', () => {
    expectError(withNets({ name: 'ovn', type: 'kube-ovn', nadName: 'rack1-ovn-nad', sharedBy: 'rack1' }), 'networks[0].subnet', /is required for a kube-ovn NIC/);
  });

  it('fails if the address is outside the subnet', () => {
    expectError(ovn({ address: '10.30.0.5/24' }), 'networks[0].ipConfig.address', /^'10\.30\.0\.5\/24' is outside subnet 10\.20\.0\.0\/24; pick an address inside it$/);
  });

  it('fails if the address has no family in the subnet', () => {
    expectError(ovn({ address: '2001:db8::5/64' }), 'networks[0].ipConfig.address', /'2001:db8::5\/64' is outside subnet 10\.20\.0\.0\/24/);
  });

  it('fails if the address prefix differs from the subnet prefix', () => {
    expectError(ovn({ address: '10.20.0.5/16' }), 'networks[0].ipConfig.address',
      /^'10\.20\.0\.5\/16' has prefix \/16 but subnet 10\.20\.0\.0\/24 is \/24; write 10\.20\.0\.5\/24$/);
  });

  it('fails if the address is the subnet gateway', () => {
    expectError(ovn({ address: '10.20.0.1/24' }), 'networks[0].ipConfig.address', /^'10\.20\.0\.1\/24' is the subnet gateway; pick another address$/);
  });

  it('warns if the address is not in excludeIps', () => {
    expectWarning(ovn({ address: '10.20.0.5/24' }), 'networks[0].ipConfig.address',
      /^10\.20\.0\.5 is not in subnet\.excludeIps, so Kube-OVN may also hand it to another pod; add it \(or its range\) to excludeIps$/);
  });

  it('warns with the path of addresses[i]', () => {
    const issues = expectWarning(ovn({ addresses: ['10.20.0.5/24', '2001:db8::5/64'] }, { cidrBlock: '10.20.0.0/24,2001:db8::/64', excludeIps: ['10.20.0.5'] }),
      'networks[0].ipConfig.addresses[1]', /^2001:db8::5 is not in subnet\.excludeIps/);
    expect(warningsOf(issues).map(i => i.path)).toEqual(['networks[0].ipConfig.addresses[1]']);
  });

  it('does not warn when excludeIps covers the address', () => {
    expect(resolve(ovn({ address: '10.20.0.5/24' }, { cidrBlock: '10.20.0.0/24', excludeIps: ['10.20.0.2..10.20.0.9'] })).issues).toEqual([]);
  });

  it('fails if ipConfig.gateway differs from the subnet gateway', () => {
    expectError(ovn({ address: '10.20.0.5/24', gateway: '10.20.0.254' }, { cidrBlock: '10.20.0.0/24', excludeIps: ['10.20.0.5'] }),
      'networks[0].ipConfig.gateway',
      /^'10\.20\.0\.254' differs from the subnet gateway 10\.20\.0\.1, which is what the guest gets by DHCP; use it or remove the field$/);
  });

  it('accepts ipConfig.gateway equal to the subnet gateway', () => {
    const nic = resolveOk(ovn({ address: '10.20.0.5/24', gateway: '10.20.0.1' }, { cidrBlock: '10.20.0.0/24', excludeIps: ['10.20.0.5'] })).nics[1];
    expect(nic.ip.gateway4?.text).toBe('10.20.0.1');
  });

  it('does not warn about a primary static kube-ovn NIC without gateway', () => {
    expect(resolve(ovn({ address: '10.20.0.5/24' }, { cidrBlock: '10.20.0.0/24', excludeIps: ['10.20.0.5'] })).issues).toEqual([]);
  });
});

describe('NIC warnings', () => {
  it('warns that macvlan is realised with the macvtap binding', () => {
    expectWarning(withNets({ name: 'mv', type: 'macvlan' }), 'networks[0].type',
      /^macvlan is realised with KubeVirt's macvtap binding .*register the macvtap binding plugin.*cannot be hot-plugged or live-migrated$/);
  });

  it('warns that an ovs NIC without vlanId is a trunk port', () => {
    expectWarning(withNets({ name: 'o1', type: 'ovs' }), 'networks[0].vlanId',
      /^is not set, so ovs-cni makes the port a trunk carrying every VLAN; set vlanId for an access port$/);
  });

  it('does not warn about an ovs trunk when the NAD is reused', () => {
    expect(resolve(withNets({ name: 'o1', type: 'ovs', nadName: 'trunk' })).issues).toEqual([]);
  });

  it('warns if the primary NIC is static without a gateway', () => {
    expectWarning(withNets({ name: 'eth1', ipConfig: { address: '10.0.0.5/24' } }), 'networks[0].ipConfig.gateway',
      /^is not set on the primary NIC, so the guest gets no default route; set it, use mode dhcp, or make the pod network primary$/);
  });

  it('does not warn about a static non-primary NIC without a gateway', () => {
    expect(resolve({ podNetwork: { primary: true }, networks: [{ name: 'eth1', ipConfig: { address: '10.0.0.5/24' } }] }).issues).toEqual([]);
  });

  it('resolves a NIC with no warnings when nothing is wrong', () => {
    const { vm, issues } = resolve(withNets({ name: 'eth1', vlanId: 10, ipConfig: { address: '10.0.0.5/24', gateway: '10.0.0.1' } }));
    expect(issues).toEqual([]);
    expect(nicOf(vm!, 'eth1').ip.addresses.map(a => a.text)).toEqual(['10.0.0.5/24']);
  });
});
