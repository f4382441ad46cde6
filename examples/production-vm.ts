// A production VM (issue 15): a persistent root disk imported by CDI from an HTTP image, an instance type and a
// preference, spread across nodes away from its peers, with a management and a backup NIC.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { WukongVm } from '../src';

export function productionVm(scope: Construct): Chart {
  const chart = new Chart(scope, 'production-vm');
  const vm = new WukongVm(chart, 'app-01', {
    namespace: 'production-vm',
    labels: { app: 'billing' },
    instancetype: { name: 'u1.medium' },
    preference: { name: 'rhel.9' },
    disks: [{
      name: 'root',
      dataVolume: {
        source: { http: { url: 'https://images.example.com/rhel-9.4-x86_64-kvm.qcow2' } },
        size: '40Gi',
        storageClassName: 'ceph-rbd',
        accessModes: ['ReadWriteMany'],
        volumeMode: 'Block',
      },
    }],
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100,
          podAffinityTerm: { labelSelector: { matchLabels: { app: 'billing' } }, topologyKey: 'kubernetes.io/hostname' },
        }],
      },
    },
    evictionStrategy: 'LiveMigrate',
  });
  vm.addNic({ name: 'mgmt', type: 'bridge', vlanId: 110, primary: true, ipConfig: { address: '192.168.110.31/24', gateway: '192.168.110.1' } });
  vm.addNic({ name: 'backup', type: 'ovs', bridgeName: 'br-backup', vlanId: 300, ipConfig: { address: '10.30.0.31/24' } });
  return chart;
}
