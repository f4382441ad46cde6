// Wukong NICs on VMs a team already defines (issue 15): an L1 VirtualMachine from imports/, exactly as the team's
// repository has it (its own disks, CPU topology, firmware and inline cloud-init), gets a storage NIC from a shared
// MultiNic and a backup NIC of its own. The VM keeps its network data for the pod NIC; Wukong adds its NICs' entries.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { VirtualMachine, VirtualMachineSpecTemplateSpecDomainMemoryGuest as Guest } from '../imports/kubevirt.io';
import { MultiNic, WukongVm } from '../src';

export function attachExistingVm(scope: Construct): Chart {
  const chart = new Chart(scope, 'attach-existing-vm', { namespace: 'legacy' });
  const fabric = new MultiNic(chart, 'fabric', { networks: [{ name: 'storage', type: 'bridge', vlanId: 200, mtu: 9000 }] });
  const vm = new VirtualMachine(chart, 'erp-01', {
    metadata: { name: 'erp-01', labels: { app: 'erp' } },
    spec: {
      runStrategy: 'Always',
      template: {
        metadata: { labels: { app: 'erp' } },
        spec: {
          domain: {
            cpu: { sockets: 2, cores: 2, threads: 1 },
            memory: { guest: Guest.fromString('8Gi') },
            firmware: { bootloader: { efi: { secureBoot: false } } },
            devices: {
              disks: [{ name: 'root', disk: { bus: 'virtio' } }, { name: 'cloudinit', disk: { bus: 'virtio' } }],
              interfaces: [{ name: 'default', masquerade: {}, macAddress: '02:e4:00:00:01:01' }],
            },
          },
          networks: [{ name: 'default', pod: {} }],
          volumes: [
            { name: 'root', containerDisk: { image: 'quay.io/containerdisks/fedora:41' } },
            {
              name: 'cloudinit',
              cloudInitNoCloud: {
                userData: '#cloud-config\nssh_authorized_keys:\n  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnly erp-admin\n',
                networkData: 'version: 2\nethernets:\n  pod:\n    match:\n      macaddress: "02:e4:00:00:01:01"\n    dhcp4: true\n',
              },
            },
          ],
        },
      },
    },
  });
  WukongVm.attach(vm, {
    networks: [
      fabric.nic('storage', { ipConfig: { address: '192.168.200.31/24' } }),
      { name: 'backup', type: 'bridge', vlanId: 300, ipConfig: { address: '10.30.0.31/24' } },
    ],
  });
  return chart;
}
