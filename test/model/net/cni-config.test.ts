import { bridgeCniConfig, kubeOvnCniConfig, macvlanCniConfig, macvtapCniConfig, ovsCniConfig, sriovCniConfig } from '../../../src/model';
import { CNI_VERSIONS, KUBE_OVN_SERVER_SOCKET, MACVTAP_CNI_VERSIONS, RESOURCE_NAME_ANNOTATION, macvtapResourceName, staticIpam } from '../../../src/model/net/cni-config';

describe('constants', () => {
  it('lists the supported cniVersions; macvtap stops at 0.4.0', () => {
    expect(CNI_VERSIONS).toEqual(['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
    expect(MACVTAP_CNI_VERSIONS).toEqual(['0.3.0', '0.3.1', '0.4.0']);
    expect(KUBE_OVN_SERVER_SOCKET).toBe('/run/openvswitch/kube-ovn-daemon.sock');
    expect(RESOURCE_NAME_ANNOTATION).toBe('k8s.v1.cni.cncf.io/resourceName');
  });
});

describe('bridgeCniConfig', () => {
  it('defaults cniVersion to 0.3.1 and ipam to {} and leaves out unset fields', () => {
    expect(bridgeCniConfig({ name: 'vm1-data-nad', bridge: 'br-data' })).toEqual({
      cniVersion: '0.3.1', name: 'vm1-data-nad', type: 'bridge', bridge: 'br-data', ipam: {},
    });
  });

  it('writes every option', () => {
    const config = bridgeCniConfig({
      name: 'n', cniVersion: '1.0.0', bridge: 'br0', vlan: 100, mtu: 9000, macspoofchk: true, disableContainerInterface: true, ipam: { type: 'static' },
    });
    expect(config).toEqual({
      cniVersion: '1.0.0',
      name: 'n',
      type: 'bridge',
      bridge: 'br0',
      vlan: 100,
      mtu: 9000,
      macspoofchk: true,
      disableContainerInterface: true,
      ipam: { type: 'static' },
    });
    expect(JSON.stringify(config)).toBe(
      '{"cniVersion":"1.0.0","name":"n","type":"bridge","bridge":"br0","vlan":100,"mtu":9000,"macspoofchk":true,"disableContainerInterface":true,'
      + '"ipam":{"type":"static"}}');
  });
});

describe('ovsCniConfig', () => {
  it('has no ipam unless given (a trunk port without vlan)', () => {
    expect(ovsCniConfig({ name: 'n', bridge: 'br-ovs' })).toEqual({ cniVersion: '0.3.1', name: 'n', type: 'ovs', bridge: 'br-ovs' });
  });

  it('writes vlan, mtu and ipam', () => {
    expect(ovsCniConfig({ name: 'n', bridge: 'br1', vlan: 7, mtu: 1400, ipam: {} })).toEqual({
      cniVersion: '0.3.1', name: 'n', type: 'ovs', bridge: 'br1', vlan: 7, mtu: 1400, ipam: {},
    });
  });
});

describe('sriovCniConfig', () => {
  it('writes only what was asked for', () => {
    expect(sriovCniConfig({ name: 'n' })).toEqual({ cniVersion: '0.3.1', name: 'n', type: 'sriov' });
    expect(sriovCniConfig({ name: 'n', vlan: 10, vlanQoS: 3, spoofchk: 'off', trust: 'on' })).toEqual({
      cniVersion: '0.3.1', name: 'n', type: 'sriov', vlan: 10, vlanQoS: 3, spoofchk: 'off', trust: 'on',
    });
  });
});

describe('macvtapCniConfig', () => {
  it('writes mtu and promiscMode when set', () => {
    expect(macvtapCniConfig({ name: 'n' })).toEqual({ cniVersion: '0.3.1', name: 'n', type: 'macvtap' });
    expect(macvtapCniConfig({ name: 'n', cniVersion: '0.4.0', mtu: 1500, promiscMode: true })).toEqual({
      cniVersion: '0.4.0', name: 'n', type: 'macvtap', mtu: 1500, promiscMode: true,
    });
  });

  it('names the macvtap device-plugin resource of a lower device', () => {
    expect(macvtapResourceName('eth0.100')).toBe('macvtap.network.kubevirt.io/eth0.100');
  });
});

describe('macvlanCniConfig', () => {
  it('defaults ipam to {}', () => {
    expect(macvlanCniConfig({ name: 'n', master: 'eth1', mode: 'bridge' })).toEqual({
      cniVersion: '0.3.1', name: 'n', type: 'macvlan', master: 'eth1', mode: 'bridge', ipam: {},
    });
  });
});

describe('kubeOvnCniConfig', () => {
  it('uses the default server socket and the given provider', () => {
    expect(kubeOvnCniConfig({ name: 'vm1-ovn-nad', provider: 'vm1-ovn-nad.default.ovn' })).toEqual({
      cniVersion: '0.3.1', name: 'vm1-ovn-nad', type: 'kube-ovn', server_socket: '/run/openvswitch/kube-ovn-daemon.sock', provider: 'vm1-ovn-nad.default.ovn',
    });
  });

  it('takes another server socket', () => {
    expect(kubeOvnCniConfig({ name: 'n', provider: 'p', serverSocket: '/run/x.sock' }).server_socket).toBe('/run/x.sock');
  });
});

describe('staticIpam', () => {
  it('holds one address and its routes', () => {
    expect(staticIpam('10.0.1.100/24', [{ dst: '0.0.0.0/0', gw: '10.0.1.1' }])).toEqual({
      type: 'static', addresses: [{ address: '10.0.1.100/24' }], routes: [{ dst: '0.0.0.0/0', gw: '10.0.1.1' }],
    });
  });
});
