// Seed 001 §6.1: a DHCP primary NIC on a Linux bridge and a static business NIC.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { WukongVm } from '../src';

export function seedBasic(scope: Construct): Chart {
  const chart = new Chart(scope, 'seed-basic');
  const vm = new WukongVm(chart, 'multi-nic-vm', { namespace: 'seed-basic', cpu: 2, memory: '4Gi' });
  vm.addNic({ name: 'eth0', type: 'bridge', primary: true, ipConfig: { mode: 'dhcp' } });
  vm.addNic({ name: 'eth1', type: 'macvlan', ipConfig: { mode: 'static', address: '10.0.1.100/24' } });
  return chart;
}
