import { CniPlugin, KubeOvnSubnet, Nad } from '../../src';
import { synth } from '../support/charts';
import { one } from '../support/manifests';

describe('KubeOvnSubnet', () => {
  it('renders the normalized subnet paired with its NAD', () => {
    const objects = synth(chart => {
      const nad = new Nad(chart, 'attachnet', { namespace: 'default', plugin: CniPlugin.kubeOvn() });
      new KubeOvnSubnet(chart, 'subnet', { nad, cidrBlock: '172.17.0.0/16', excludeIps: ['172.17.0.0..172.17.0.10'] });
    });
    const subnet = one(objects, 'Subnet');
    expect(subnet.metadata).toEqual({ name: 'attachnet' });
    expect(subnet.spec).toEqual({
      protocol: 'IPv4',
      cidrBlock: '172.17.0.0/16',
      gateway: '172.17.0.1',
      excludeIps: ['172.17.0.0..172.17.0.10'],
      provider: 'attachnet.default.ovn',
      vpc: 'ovn-cluster',
      gatewayType: 'distributed',
      enableLb: true,
    });
    expect(JSON.parse(one(objects, 'NetworkAttachmentDefinition').spec.config).provider).toBe(subnet.spec.provider);
  });

  it('writes dual-stack subnets in canonical form', () => {
    const objects = synth(chart => {
      const nad = new Nad(chart, 'ds', { plugin: CniPlugin.kubeOvn() });
      new KubeOvnSubnet(chart, 'subnet', { nad, name: 'ds-net', cidrBlock: '10.5.0.0/24,FD00:10:5::/64', excludeIps: ['10.5.0.20..10.5.0.30', '10.5.0.25..10.5.0.40'] });
    });
    expect(one(objects, 'Subnet').spec).toMatchObject({
      protocol: 'Dual',
      cidrBlock: '10.5.0.0/24,fd00:10:5::/64',
      gateway: '10.5.0.1,fd00:10:5::1',
      excludeIps: ['10.5.0.1', '10.5.0.20..10.5.0.40', 'fd00:10:5::1'],
    });
  });

  it('fails if the NAD is not a kube-ovn NAD', () => {
    expect(() => synth(chart => {
      const nad = new Nad(chart, 'br', { plugin: CniPlugin.bridge({ bridge: 'br0' }) });
      new KubeOvnSubnet(chart, 'subnet', { nad, cidrBlock: '10.0.0.0/24' });
    })).toThrow(/nad: 'br' is a bridge NAD/);
  });

  it('fails if the cidrBlock has host bits set, naming the network to write', () => {
    expect(() => synth(chart => {
      new KubeOvnSubnet(chart, 'subnet', { nad: new Nad(chart, 'k', { plugin: CniPlugin.kubeOvn() }), cidrBlock: '10.0.0.5/24' });
    })).toThrow(/cidrBlock: '10.0.0.5\/24' has host bits set; write the network address '10.0.0.0\/24'/);
  });

  it('fails if two subnets of one VPC overlap', () => {
    expect(() => synth(chart => {
      new KubeOvnSubnet(chart, 'a', { nad: new Nad(chart, 'ka', { plugin: CniPlugin.kubeOvn() }), cidrBlock: '10.0.0.0/16' });
      new KubeOvnSubnet(chart, 'b', { nad: new Nad(chart, 'kb', { plugin: CniPlugin.kubeOvn() }), cidrBlock: '10.0.8.0/24' });
    })).toThrow(/cidrBlock: 10.0.8.0\/24 overlaps Subnet 'ka'/);
  });
});
