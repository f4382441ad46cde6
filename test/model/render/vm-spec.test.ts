import { createHash } from 'crypto';
import { MANAGED_BY, MANAGED_BY_LABEL, VM_NAME_LABEL, VM_NAMESPACE_LABEL, ownedLabels } from '../../../src/model';
import { deriveMac } from '../../../src/model/net/mac';
import { renderResolvedVm } from '../../../src/model/render/render';
import { kvInterface, kvNetwork, renderVirtualMachine } from '../../../src/model/render/vm-spec';
import { CLOUD_INIT_DISK, CONTAINER_DISK } from '../../../src/model/resolve/resolve-machine';
import { DEFAULT_IMAGE } from '../../../src/model/spec/types';
import { baseVmSpec, nicOf, resolveOk, withNets } from '../fixtures';

const META = { name: 'web', namespace: 'prod', labels: { 'app': 'web', 'app.kubernetes.io/managed-by': 'me' }, annotations: { note: 'x' } };
const mac = (nic: string) => deriveMac('prod', 'web', nic);

describe('renderVirtualMachine', () => {
  it('renders every NIC with its binding, pinned MAC and network, and the cloud-init Secret', () => {
    const vm = resolveOk({
      cpu: 2,
      memory: '2Gi',
      runStrategy: 'RerunOnFailure',
      networks: [
        { name: 'data' },
        { name: 'vf1', type: 'sriov', nadName: 'infra/sriov-net' },
        { name: 'mv', type: 'macvlan' },
        { name: 'ovn', type: 'kube-ovn', nadName: 'ovn-net' },
      ],
    }, META);
    expect(renderVirtualMachine(vm, { secretName: 'web-cloudinit' })).toEqual({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: {
        name: 'web',
        namespace: 'prod',
        labels: { 'app': 'web', 'app.kubernetes.io/managed-by': 'wukong', 'vm.novasphere.dev/name': 'web' },
        annotations: { note: 'x' },
      },
      spec: {
        runStrategy: 'RerunOnFailure',
        template: {
          metadata: {
            labels: { 'app': 'web', 'app.kubernetes.io/managed-by': 'me', 'kubevirt.io/domain': 'web', 'vm.novasphere.dev/name': 'web' },
            annotations: { 'ovn-net.prod.ovn.kubernetes.io/mac_address': mac('ovn') },
          },
          spec: {
            domain: {
              cpu: { cores: 2 },
              memory: { guest: '2Gi' },
              devices: {
                disks: [{ name: 'containerdisk', disk: { bus: 'virtio' } }, { name: 'cloudinitdisk', disk: { bus: 'virtio' } }],
                interfaces: [
                  { name: 'default', masquerade: {}, macAddress: mac('default') },
                  { name: 'data', bridge: {}, macAddress: mac('data') },
                  { name: 'vf1', sriov: {}, macAddress: mac('vf1') },
                  { name: 'mv', binding: { name: 'macvtap' }, macAddress: mac('mv') },
                  { name: 'ovn', bridge: {}, macAddress: mac('ovn') },
                ],
              },
            },
            networks: [
              { name: 'default', pod: {} },
              { name: 'data', multus: { networkName: 'web-data-nad' } },
              { name: 'vf1', multus: { networkName: 'infra/sriov-net' } },
              { name: 'mv', multus: { networkName: 'web-mv-nad' } },
              { name: 'ovn', multus: { networkName: 'ovn-net' } },
            ],
            volumes: [
              { name: 'containerdisk', containerDisk: { image: DEFAULT_IMAGE } },
              { name: 'cloudinitdisk', cloudInitNoCloud: { secretRef: { name: 'web-cloudinit' }, networkDataSecretRef: { name: 'web-cloudinit' } } },
            ],
          },
        },
      },
    });
    expect([CONTAINER_DISK, CLOUD_INIT_DISK]).toEqual(['containerdisk', 'cloudinitdisk']);
  });

  it('turns off the automatic pod interface when the pod network is disabled', () => {
    const vm = resolveOk({ podNetwork: { enabled: false }, networks: [{ name: 'data' }] });
    const devices = renderVirtualMachine(vm, { secretName: 's' }).spec.template.spec.domain.devices;
    expect(devices.autoattachPodInterface).toBe(false);
    expect(devices.interfaces!.map(i => i.name)).toEqual(['data']);
  });

  it('writes no empty interface or network list for a VM without NICs: KubeVirt would drop them', () => {
    const vm = resolveOk({ podNetwork: { enabled: false } });
    const spec = renderVirtualMachine(vm, { secretName: 's' }).spec.template.spec;
    expect(spec.domain.devices).not.toHaveProperty('interfaces');
    expect(spec).not.toHaveProperty('networks');
  });

  it('leaves autoattachPodInterface unset with a pod network', () => {
    const devices = renderVirtualMachine(resolveOk({}), { secretName: 's' }).spec.template.spec.domain.devices;
    expect('autoattachPodInterface' in devices).toBe(false);
  });

  it('puts inline cloud-init data into the volume', () => {
    const rendered = renderVirtualMachine(resolveOk({}), { userData: '#cloud-config\n', networkData: 'version: 2\n' });
    expect(rendered.spec.template.spec.volumes[1]).toEqual({
      name: 'cloudinitdisk', cloudInitNoCloud: { userData: '#cloud-config\n', networkData: 'version: 2\n' },
    });
  });

  it('writes no annotations when there are none', () => {
    const rendered = renderVirtualMachine(resolveOk({}), { secretName: 's' });
    expect('annotations' in rendered.metadata).toBe(false);
    expect('annotations' in rendered.spec.template.metadata).toBe(false);
  });

  it('fixes the static IPs and MAC of a kube-ovn NIC in template annotations', () => {
    const vm = resolveOk(withNets({
      name: 'ovn',
      type: 'kube-ovn',
      ipConfig: { addresses: ['10.20.0.10/24', '2001:db8::10/64'] },
      subnet: { cidrBlock: '10.20.0.0/24,2001:db8::/64', excludeIps: ['10.20.0.10', '2001:db8::10'] },
    }));
    expect(renderVirtualMachine(vm, { secretName: 's' }).spec.template.metadata.annotations).toEqual({
      'vm1-ovn-nad.default.ovn.kubernetes.io/ip_address': '10.20.0.10,2001:db8::10',
      'vm1-ovn-nad.default.ovn.kubernetes.io/mac_address': deriveMac('default', 'vm1', 'ovn'),
    });
  });

  it('uses per-interface keys with the pod interface name when the same NAD is attached twice', () => {
    const vm = resolveOk(withNets(
      { name: 'ovn1', type: 'kube-ovn', nadName: 'shared-ovn', ipConfig: { address: '10.16.0.10/16' }, macAddress: '02:00:00:00:00:01' },
      { name: 'ovn2', type: 'kube-ovn', nadName: 'shared-ovn', macAddress: '02:00:00:00:00:02' },
    ));
    const podIf = (name: string) => `pod${createHash('sha256').update(name).digest('hex').slice(0, 11)}`;
    expect(renderVirtualMachine(vm, { secretName: 's' }).spec.template.metadata.annotations).toEqual({
      [`shared-ovn.default.kubernetes.io/ip_address.${podIf('ovn1')}`]: '10.16.0.10',
      [`shared-ovn.default.kubernetes.io/mac_address.${podIf('ovn1')}`]: '02:00:00:00:00:01',
      [`shared-ovn.default.kubernetes.io/mac_address.${podIf('ovn2')}`]: '02:00:00:00:00:02',
    });
  });
});

describe('kvInterface and kvNetwork', () => {
  const vm = resolveOk(withNets({ name: 'data', nadName: 'other/net1' }, { name: 'vf1', type: 'sriov', resourceName: 'intel.com/vf' }));

  it('renders one interface per binding', () => {
    expect(kvInterface(nicOf(vm, 'default'))).toEqual({ name: 'default', masquerade: {}, macAddress: nicOf(vm, 'default').mac });
    expect(kvInterface(nicOf(vm, 'vf1'))).toEqual({ name: 'vf1', sriov: {}, macAddress: nicOf(vm, 'vf1').mac });
  });

  it('refers to a NAD by name in the VM namespace and by namespace/name elsewhere', () => {
    expect(kvNetwork(nicOf(vm, 'default'), 'default')).toEqual({ name: 'default', pod: {} });
    expect(kvNetwork(nicOf(vm, 'vf1'), 'default')).toEqual({ name: 'vf1', multus: { networkName: 'vm1-vf1-nad' } });
    expect(kvNetwork(nicOf(vm, 'data'), 'default')).toEqual({ name: 'data', multus: { networkName: 'other/net1' } });
    expect(kvNetwork(nicOf(vm, 'data'), 'other')).toEqual({ name: 'data', multus: { networkName: 'net1' } });
  });
});

describe('ownedLabels', () => {
  it('labels owned objects with manager, VM name and namespace', () => {
    expect(ownedLabels(resolveOk({}, { name: 'web', namespace: 'prod' }))).toEqual({
      'app.kubernetes.io/managed-by': 'wukong', 'vm.novasphere.dev/name': 'web', 'vm.novasphere.dev/namespace': 'prod',
    });
    expect([MANAGED_BY_LABEL, MANAGED_BY, VM_NAME_LABEL, VM_NAMESPACE_LABEL]).toEqual([
      'app.kubernetes.io/managed-by', 'wukong', 'vm.novasphere.dev/name', 'vm.novasphere.dev/namespace',
    ]);
  });
});

describe('renderVirtualMachine of a VM defined elsewhere (spec.virtualMachine)', () => {
  const DATA = { name: 'data', vlanId: 10, ipConfig: { address: '192.168.10.5/24' } };
  const meta = { name: 'web', namespace: 'prod', labels: { app: 'web' } };

  test('adds Wukong\'s NICs, the pod NIC\'s MAC and a cloud-init volume, and keeps every other field as the VM has it', () => {
    const base = baseVmSpec();
    const rendered = renderResolvedVm(resolveOk({ virtualMachine: base, networks: [DATA] }, meta));
    const vm = rendered.virtualMachine as any;
    const expected = baseVmSpec();
    const t = expected.template;
    t.metadata.labels[VM_NAME_LABEL] = 'web';
    t.spec.domain.devices.interfaces = [{ name: 'default', masquerade: {}, macAddress: mac('default') }, { name: 'data', bridge: {}, macAddress: mac('data') }];
    t.spec.domain.devices.disks.push({ name: CLOUD_INIT_DISK, disk: { bus: 'virtio' } });
    t.spec.networks.push({ name: 'data', multus: { networkName: 'web-data-nad' } });
    t.spec.volumes.push({ name: CLOUD_INIT_DISK, cloudInitNoCloud: { secretRef: { name: 'web-cloudinit' }, networkDataSecretRef: { name: 'web-cloudinit' } } });
    expect(vm.spec).toEqual(expected);
    expect(vm.metadata.labels).toEqual({ app: 'web', [MANAGED_BY_LABEL]: MANAGED_BY, [VM_NAME_LABEL]: 'web' });
    expect(base).toEqual(baseVmSpec());
    expect(Object.keys(rendered.secret!.stringData)).toEqual(['userdata', 'networkdata']);
    expect(rendered.nads.map(n => n.metadata.name)).toEqual(['web-data-nad']);
  });

  test('adds its NICs to the VM\'s own network data, moved to Wukong\'s Secret; the VM keeps its user data', () => {
    const base = baseVmSpec(s => {
      s.template.spec.domain.devices.interfaces[0].macAddress = '02:aa:00:00:00:01';
      s.template.spec.domain.devices.disks.push({ name: 'ci', disk: { bus: 'virtio' } });
      s.template.spec.volumes.push({ name: 'ci', cloudInitNoCloud: { userData: '#cloud-config\n', networkData: 'version: 2\nethernets:\n  eth0: {match: {macaddress: "02:aa:00:00:00:01"}, dhcp4: true}\n' } });
    });
    const rendered = renderResolvedVm(resolveOk({ virtualMachine: base, networks: [DATA] }, meta));
    const tspec = (rendered.virtualMachine as any).spec.template.spec;
    expect(tspec.domain.devices.interfaces.map((i: any) => [i.name, i.macAddress])).toEqual([['default', '02:aa:00:00:00:01'], ['data', mac('data')]]);
    expect(tspec.domain.devices.disks.map((d: any) => d.name)).toEqual(['root', 'ci']);
    expect(tspec.volumes[1]).toEqual({ name: 'ci', cloudInitNoCloud: { userData: '#cloud-config\n', networkDataSecretRef: { name: 'web-cloudinit' } } });
    expect(Object.keys(rendered.secret!.stringData)).toEqual(['networkdata']);
    expect(rendered.networkData).toBe([
      'version: 2',
      'ethernets:',
      '  "eth0":',
      '    match:',
      '      macaddress: "02:aa:00:00:00:01"',
      '    dhcp4: true',
      '  "data":',
      '    match:',
      `      macaddress: "${mac('data')}"`,
      '    dhcp4: false',
      '    addresses:',
      '      - "192.168.10.5/24"',
      '',
    ].join('\n'));
  });

  test('writes merged network data inline into the VM\'s volume with inline delivery', () => {
    const base = baseVmSpec(s => {
      s.template.spec.volumes.push({ name: 'ci', cloudInitNoCloud: { userDataBase64: 'I2Nsb3VkLWNvbmZpZwo=', networkDataBase64: 'eA==' } });
      s.template.spec.domain.devices.disks.push({ name: 'ci', disk: { bus: 'virtio' } });
      s.template.spec.volumes[1].cloudInitNoCloud.networkDataBase64 = Buffer.from('version: 2\n').toString('base64');
    });
    const rendered = renderResolvedVm(resolveOk({ virtualMachine: base, networks: [DATA], networkDataDelivery: 'inline' }, meta));
    const volume = (rendered.virtualMachine as any).spec.template.spec.volumes[1];
    expect(volume).toEqual({ name: 'ci', cloudInitNoCloud: { userDataBase64: 'I2Nsb3VkLWNvbmZpZwo=', networkData: rendered.networkData } });
    expect(rendered.secret).toBeUndefined();
  });
});
