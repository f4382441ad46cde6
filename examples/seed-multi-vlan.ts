// Seed 001 §6.3: two VLANs on Linux bridges, static addresses on each.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { WukongVm } from '../src';

export function seedMultiVlan(scope: Construct): Chart {
  const chart = new Chart(scope, 'seed-multi-vlan');
  new WukongVm(chart, 'multi-vlan-vm', {
    namespace: 'seed-multi-vlan',
    networks: [
      { name: 'eth0', type: 'bridge', primary: true, ipConfig: { mode: 'dhcp' } },
      { name: 'eth1', type: 'bridge', vlanId: 100, ipConfig: { mode: 'static', address: '192.168.100.100/24' } },
      { name: 'eth2', type: 'bridge', vlanId: 200, ipConfig: { mode: 'static', address: '192.168.200.100/24' } },
    ],
  });
  return chart;
}
