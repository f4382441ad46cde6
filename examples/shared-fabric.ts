// A MultiNic shared by a small fleet: NADs and the Kube-OVN Subnet exist once, each VM brings its own IPs and routes.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { MultiNic, WukongVm } from '../src';

export function sharedFabric(scope: Construct): Chart {
  const chart = new Chart(scope, 'shared-fabric');
  const fabric = new MultiNic(chart, 'fabric', {
    networks: [
      { name: 'mgmt', type: 'bridge', vlanId: 10 },
      { name: 'storage', type: 'bridge', vlanId: 200, mtu: 9000, bridgeName: 'br-storage' },
      { name: 'tenant', type: 'kube-ovn', subnet: { cidrBlock: '172.20.0.0/24', excludeIps: ['172.20.0.2..172.20.0.50'] } },
    ],
  });
  for (const [i, name] of ['db-1', 'db-2', 'db-3'].entries()) {
    new WukongVm(chart, name, {
      namespace: 'databases',
      cpu: 4,
      memory: '8Gi',
      networks: [
        fabric.nic('mgmt', { ipConfig: { address: `10.10.0.${11 + i}/24`, gateway: '10.10.0.1', dnsServers: ['10.10.0.53'] } }),
        fabric.nic('storage', { ipConfig: { address: `192.168.200.${11 + i}/24` } }),
        fabric.nic('tenant', {
          ipConfig: { address: `172.20.0.${11 + i}/24` },
          routes: [{ destination: '172.21.0.0/16', gateway: '172.20.0.1', metric: 50 }],
        }),
      ],
    });
  }
  return chart;
}
