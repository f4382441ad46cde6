/**
 * The fleet the synth benchmarks build: N VMs with 4 NICs each (bridge + VLAN + static IPv4 as primary, macvlan,
 * ovs, and a second, dual-stack bridge), spread over a few namespaces with one chart each. Deterministic: the same N
 * always gives the same VMs, with unique names, IPs and (derived) MACs.
 */
import type { NetworkConfig, WukongSpec } from '../src';

/** Namespaces (and charts) the fleet is spread over. */
export const FLEET_NAMESPACES = 10;

/** One VM: the chart it goes into and the `WukongVm` props (also a Wukong object's metadata + spec). */
export interface FleetVm {
  readonly chart: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly spec: WukongSpec;
}

/** The address of VM `i` in the /16 with second octet `octet` (never the network or broadcast address). */
function hostIp(octet: number, i: number): string {
  const host = i + 10;
  return `10.${octet}.${Math.floor(host / 256)}.${host % 256}`;
}

function networks(i: number): NetworkConfig[] {
  const host = i + 10;
  return [
    {
      name: 'mgmt',
      type: 'bridge',
      vlanId: 100 + (i % 50),
      primary: true,
      ipConfig: { address: `${hostIp(10, i)}/16`, gateway: '10.10.0.1', dnsServers: ['10.10.0.53', '10.10.0.54'], searchDomains: ['fleet.example'] },
    },
    {
      name: 'app',
      type: 'macvlan',
      master: 'eth1',
      vlanId: 200 + (i % 20),
      mtu: 1500,
      ipConfig: { address: `${hostIp(20, i)}/16` },
      routes: [{ destination: '172.16.0.0/12', gateway: '10.20.0.1' }],
    },
    {
      name: 'stor',
      type: 'ovs',
      vlanId: 300 + (i % 10),
      mtu: 9000,
      priority: 5,
      ipConfig: { address: `${hostIp(30, i)}/16` },
      routes: [{ destination: '192.168.0.0/16', gateway: '10.30.0.1', metric: 250 }],
    },
    {
      name: 'backup',
      type: 'bridge',
      bridgeName: 'br-backup',
      ipConfig: { addresses: [`${hostIp(40, i)}/16`, `fd00:40::${host.toString(16)}/64`] },
    },
  ];
}

/** The fleet of `n` VMs. */
export function fleetOf(n: number): FleetVm[] {
  return Array.from({ length: n }, (_, i) => {
    const ns = `fleet-${i % FLEET_NAMESPACES}`;
    return {
      chart: ns,
      name: `vm-${String(i).padStart(5, '0')}`,
      namespace: ns,
      labels: { 'app': 'fleet', 'fleet.example/tier': ['web', 'db', 'cache', 'batch'][i % 4] },
      spec: { cpu: 1 + (i % 4), memory: `${1 + (i % 8)}Gi`, networks: networks(i) },
    };
  });
}

/** The fleet as Wukong documents (`vm.novasphere.dev/v1alpha1`), for `wukong synth`. */
export function fleetAsWukongs(n: number): object[] {
  return fleetOf(n).map(vm => ({
    apiVersion: 'vm.novasphere.dev/v1alpha1',
    kind: 'Wukong',
    metadata: { name: vm.name, namespace: vm.namespace, labels: vm.labels },
    spec: vm.spec,
  }));
}
