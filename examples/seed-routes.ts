// Seed 001 §6.2: a static route on the business NIC, with its metric.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { WukongVm } from '../src';

export function seedRoutes(scope: Construct): Chart {
  const chart = new Chart(scope, 'seed-routes');
  const vm = new WukongVm(chart, 'multi-nic-vm', {
    namespace: 'seed-routes',
    networks: [
      { name: 'eth0', type: 'bridge', primary: true, ipConfig: { mode: 'dhcp' } },
      { name: 'eth1', type: 'macvlan', ipConfig: { mode: 'static', address: '10.0.1.100/24' } },
    ],
  });
  vm.addRoute('eth1', { destination: '192.168.0.0/16', gateway: '10.0.1.1', metric: 100 });
  return chart;
}
