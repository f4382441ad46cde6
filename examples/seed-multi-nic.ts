// Seed 001 §3.2: management (DHCP), business (macvlan, VLAN 100, static) and storage (VLAN 200, static) networks.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { WukongVm } from '../src';

export function seedMultiNic(scope: Construct): Chart {
  const chart = new Chart(scope, 'seed-multi-nic');
  new WukongVm(chart, 'multi-nic-vm', {
    namespace: 'seed-multi-nic',
    cpu: 2,
    memory: '4Gi',
    networks: [
      { name: 'eth0', type: 'bridge', ipConfig: { mode: 'dhcp' } },
      { name: 'eth1', type: 'macvlan', vlanId: 100, ipConfig: { mode: 'static', address: '10.0.1.100/24', gateway: '10.0.1.1' } },
      { name: 'eth2', type: 'bridge', vlanId: 200, ipConfig: { mode: 'static', address: '192.168.1.100/24' } },
    ],
  });
  return chart;
}
