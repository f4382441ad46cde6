import { Testing } from 'cdk8s';
import { Route, WukongVm } from '../../src';
import { synth } from '../support/charts';
import { networkData, one } from '../support/manifests';

const NETWORKS = [
  { name: 'eth0', primary: true, ipConfig: { mode: 'dhcp' as const } },
  { name: 'eth1', ipConfig: { address: '10.0.1.100/24' } },
];

describe('Route', () => {
  it('renders into the network data of its NIC, with metric', () => {
    const objects = synth(chart => {
      const vm = new WukongVm(chart, 'vm', { networks: NETWORKS });
      const route = vm.addRoute('eth1', { destination: '192.168.0.0/16', gateway: '10.0.1.1', metric: 100 });
      expect(route).toBeInstanceOf(Route);
      new Route(vm, 'r2', { nic: 'eth1', destination: '172.16.0.0/12', gateway: '10.0.1.254' });
    });
    expect(networkData(one(objects, 'Secret')).ethernets.eth1.routes).toEqual([
      { to: '192.168.0.0/16', via: '10.0.1.1', metric: 100 },
      // no metric given: the NIC's own (rank 2 → 200)
      { to: '172.16.0.0/12', via: '10.0.1.254', metric: 200 },
    ]);
  });

  it('renders on the pod network too', () => {
    const objects = synth(chart => {
      const vm = new WukongVm(chart, 'vm', { podNetwork: { primary: true } });
      vm.addRoute('default', { destination: '10.96.0.0/12', gateway: '10.0.2.1' });
    });
    expect(networkData(one(objects, 'Secret')).ethernets.default.routes).toEqual([{ to: '10.96.0.0/12', via: '10.0.2.1', metric: 100 }]);
  });

  it('fails if the NIC does not exist', () => {
    const vm = new WukongVm(Testing.chart(), 'vm', { networks: NETWORKS });
    expect(() => vm.addRoute('eth9', { destination: '10.9.0.0/16', gateway: '10.0.1.1' })).toThrow(/nic: 'eth9' is not a NIC of this VM; its NICs are default, eth0, eth1/);
  });

  it('fails if the gateway is not reachable through the NIC', () => {
    const vm = new WukongVm(Testing.chart(), 'vm', { networks: NETWORKS });
    expect(() => vm.addRoute('eth1', { destination: '10.9.0.0/16', gateway: '10.0.2.1' }))
      .toThrow(/networks\[1\].routes\[0\].gateway: '10.0.2.1' is not reachable through this NIC's subnet \(10.0.1.0\/24\)/);
  });

  it('fails if a default route is put on a non-primary NIC, and leaves the VM unchanged', () => {
    const vm = new WukongVm(Testing.chart(), 'vm', { networks: NETWORKS });
    expect(() => vm.addRoute('eth1', { destination: '0.0.0.0/0', gateway: '10.0.1.1' })).toThrow(/default route, which only the primary NIC carries/);
    expect(vm.node.children.filter(c => c instanceof Route)).toHaveLength(0);
  });
});
