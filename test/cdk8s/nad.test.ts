import { Chart, Testing } from 'cdk8s';
import { CniPlugin, Nad } from '../../src';
import { synth } from '../support/charts';

describe('Nad', () => {
  it('renders a bridge NAD with the CNI config as JSON', () => {
    const [nad] = synth(chart => new Nad(chart, 'storage', { namespace: 'prod', plugin: CniPlugin.bridge({ bridge: 'br-st', vlan: 200, mtu: 9000 }) }));
    expect(nad.apiVersion).toBe('k8s.cni.cncf.io/v1');
    expect(nad.metadata).toEqual({ name: 'storage', namespace: 'prod' });
    expect(JSON.parse(nad.spec.config)).toEqual({ cniVersion: '0.3.1', name: 'storage', type: 'bridge', bridge: 'br-st', vlan: 200, mtu: 9000, ipam: {} });
  });

  it('takes the namespace of its chart, else default', () => {
    const app = Testing.app();
    const inChart = new Nad(new Chart(app, 'a', { namespace: 'team-a' }), 'n', { plugin: CniPlugin.ovs({ bridge: 'br1' }) });
    const plain = new Nad(new Chart(app, 'b'), 'n', { plugin: CniPlugin.ovs({ bridge: 'br1' }) });
    expect(inChart.namespace).toBe('team-a');
    expect(plain.namespace).toBe('default');
    expect(plain.networkNameFrom('default')).toBe('n');
    expect(inChart.networkNameFrom('default')).toBe('team-a/n');
  });

  it('annotates sriov NADs with their resource name', () => {
    const [nad] = synth(chart => new Nad(chart, 'fast', { plugin: CniPlugin.sriov({ vlan: 30 }), resourceName: 'intel.com/sriov_vfio' }));
    expect(nad.metadata.annotations).toEqual({ 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_vfio' });
    expect(JSON.parse(nad.spec.config)).toEqual({ cniVersion: '0.3.1', name: 'fast', type: 'sriov', vlan: 30 });
  });

  it('gives kube-ovn NADs the provider <nad>.<namespace>.ovn', () => {
    const [nad] = synth(chart => new Nad(chart, 'attachnet', { namespace: 'default', plugin: CniPlugin.kubeOvn() }));
    expect(JSON.parse(nad.spec.config)).toEqual({
      cniVersion: '0.3.1', name: 'attachnet', type: 'kube-ovn', server_socket: '/run/openvswitch/kube-ovn-daemon.sock', provider: 'attachnet.default.ovn',
    });
  });

  it('uses a custom config as given', () => {
    const [nad] = synth(chart => new Nad(chart, 'x', { plugin: CniPlugin.custom({ cniVersion: '1.0.0', type: 'tap', name: 'x' }) }));
    expect(JSON.parse(nad.spec.config)).toEqual({ cniVersion: '1.0.0', type: 'tap', name: 'x' });
  });

  it('fails if a sriov NAD has no resource name', () => {
    expect(() => synth(chart => new Nad(chart, 'fast', { plugin: CniPlugin.sriov() }))).toThrow(/resourceName: is required for sriov NADs/);
  });

  it('fails if the name is not a DNS-1123 label', () => {
    expect(() => synth(chart => new Nad(chart, 'Bad_Name', { plugin: CniPlugin.macvtap(), resourceName: 'macvtap.network.kubevirt.io/eth0' })))
      .toThrow(/name: 'Bad_Name' is not a DNS-1123 label/);
  });

  it('fails if two NADs of the app share a namespace and name', () => {
    expect(() => synth(chart => {
      new Nad(chart, 'a', { name: 'dup', plugin: CniPlugin.bridge({ bridge: 'br0' }) });
      new Nad(chart, 'b', { name: 'dup', plugin: CniPlugin.bridge({ bridge: 'br1' }) });
    })).toThrow(/NAD 'default\/dup' is also created by test\/a/);
  });

  it('exposes the L1 object for escape hatches', () => {
    const [nad] = synth(chart => {
      const n = new Nad(chart, 'n', { plugin: CniPlugin.bridge({ bridge: 'br0' }) });
      n.apiObject.metadata.addLabel('team', 'net');
    });
    expect(nad.metadata.labels).toEqual({ team: 'net' });
  });
});
