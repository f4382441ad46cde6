// Seed 004 (Kube-OVN NIC hot-plug guide): the attachnet NAD, its Subnet, and vm-fedora with a fixed IP on it (the guide
// uses the default namespace; the example keeps to its own).
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { CniPlugin, KubeOvnSubnet, Nad, WukongVm } from '../src';

export function kubeOvnHotplug(scope: Construct): Chart {
  const chart = new Chart(scope, 'kube-ovn-hotplug');
  const attachnet = new Nad(chart, 'attachnet', { namespace: 'kube-ovn-hotplug', plugin: CniPlugin.kubeOvn({ cniVersion: '0.3.0' }) });
  const subnet = new KubeOvnSubnet(chart, 'attachnet-subnet', {
    nad: attachnet,
    cidrBlock: '172.17.0.0/16',
    gateway: '172.17.0.1',
    excludeIps: ['172.17.0.0..172.17.0.10'],
  });
  new WukongVm(chart, 'vm-fedora', {
    namespace: 'kube-ovn-hotplug',
    memory: '1024M',
    image: 'quay.io/kubevirt/fedora-with-test-tooling-container-disk:devel',
    podNetwork: { name: 'defaultnetwork', primary: true },
    networks: [{
      name: 'dyniface1',
      type: 'kube-ovn',
      nadName: attachnet.name,
      subnet: { cidrBlock: subnet.subnet.spec.cidrBlock, gateway: '172.17.0.1', excludeIps: ['172.17.0.0..172.17.0.10'] },
      ipConfig: { mode: 'static', address: '172.17.0.5/16' },
    }],
  });
  return chart;
}
