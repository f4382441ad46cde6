import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import { VirtualMachine } from '../../imports/kubevirt.io';
import { MultiNic, WukongValidationError, WukongVm, renderVm } from '../../src';
import { DEFAULT_USER_DATA } from '../../src/model/net/addressing';
import { deriveMac } from '../../src/model/net/mac';
import { quietChart, synth } from '../support/charts';
import { interfaces, networkData, ofKind, one, referenceProblems } from '../support/manifests';

const SPEC = {
  cpu: 2,
  memory: '4Gi',
  networks: [
    { name: 'eth0', type: 'bridge' as const, ipConfig: { mode: 'dhcp' as const } },
    { name: 'eth1', type: 'bridge' as const, vlanId: 100, ipConfig: { mode: 'static' as const, address: '10.0.1.100/24', gateway: '10.0.1.1', dnsServers: ['10.0.1.53'] } },
  ],
};

describe('WukongVm', () => {
  it('synthesizes a NAD per NIC, the VM and the cloud-init Secret', () => {
    const objects = synth(chart => new WukongVm(chart, 'web', { namespace: 'prod', ...SPEC }));
    expect(objects.map(o => `${o.kind}/${o.metadata.name}`)).toEqual([
      'NetworkAttachmentDefinition/web-eth0-nad', 'NetworkAttachmentDefinition/web-eth1-nad', 'VirtualMachine/web', 'Secret/web-cloudinit',
    ]);
    expect(JSON.parse(one(objects, 'NetworkAttachmentDefinition', 'web-eth1-nad').spec.config))
      .toEqual({ cniVersion: '0.3.1', name: 'web-eth1-nad', type: 'bridge', bridge: 'br-eth1', vlan: 100, ipam: { type: 'static', addresses: [{ address: '10.0.1.100/24' }] } });
    expect(referenceProblems(objects)).toEqual([]);
  });

  it('pins every MAC on the interface and matches the same MAC in the network data', () => {
    const objects = synth(chart => new WukongVm(chart, 'web', { namespace: 'prod', ...SPEC }));
    const ifaces = interfaces(one(objects, 'VirtualMachine'));
    const data = networkData(one(objects, 'Secret'));
    for (const name of ['default', 'eth0', 'eth1']) {
      expect(ifaces[name].macAddress).toBe(deriveMac('prod', 'web', name));
      expect(data.ethernets[name].match).toEqual({ macaddress: deriveMac('prod', 'web', name) });
      // eth1 can be unplugged live, so it keeps the kernel's name (see canLeaveRunningGuest).
      expect(data.ethernets[name]['set-name']).toBe(name === 'eth1' ? undefined : name);
    }
  });

  it('renders exactly what the model renders (one source of truth)', () => {
    const objects = synth(chart => new WukongVm(chart, 'web', { namespace: 'prod', ...SPEC }));
    const model = renderVm({ name: 'web', namespace: 'prod' }, SPEC);
    expect(one(objects, 'VirtualMachine')).toEqual(model.virtualMachine);
    expect(one(objects, 'Secret')).toEqual(model.secret);
    expect(ofKind(objects, 'NetworkAttachmentDefinition')).toEqual(model.nads);
  });

  it('keeps MACs stable across syntheses', () => {
    const a = synth(chart => new WukongVm(chart, 'web', SPEC));
    const b = synth(chart => new WukongVm(chart, 'web', SPEC));
    expect(interfaces(one(a, 'VirtualMachine'))).toEqual(interfaces(one(b, 'VirtualMachine')));
  });

  it('returns what addNic adds, and renders NICs added after construction', () => {
    const objects = synth(chart => {
      const vm = new WukongVm(chart, 'web', SPEC);
      const nic = vm.addNic({ name: 'eth2', type: 'sriov', resourceName: 'intel.com/sriov_vfio', vlanId: 30, ipConfig: { mode: 'none' } });
      expect(nic.name).toBe('eth2');
      expect(nic.macAddress).toBe(deriveMac('default', 'web', 'eth2'));
      expect(nic.networkName).toBe('web-eth2-nad');
      expect(nic.nad?.name).toBe('web-eth2-nad');
      expect(nic.primary).toBe(false);
      expect(vm.nics.map(n => n.name)).toEqual(['default', 'eth0', 'eth1', 'eth2']);
    });
    expect(interfaces(one(objects, 'VirtualMachine')).eth2).toEqual({ name: 'eth2', sriov: {}, macAddress: deriveMac('default', 'web', 'eth2') });
    expect(one(objects, 'NetworkAttachmentDefinition', 'web-eth2-nad').metadata.annotations).toEqual({ 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_vfio' });
  });

  it('creates nothing for a NIC that reuses a NAD by name', () => {
    const objects = synth(chart => new WukongVm(chart, 'web', { networks: [{ name: 'eth0', nadName: 'infra/shared-vlan10' }] }));
    expect(ofKind(objects, 'NetworkAttachmentDefinition')).toEqual([]);
    expect(one(objects, 'VirtualMachine').spec.template.spec.networks[1]).toEqual({ name: 'eth0', multus: { networkName: 'infra/shared-vlan10' } });
  });

  it('creates the Subnet of a kube-ovn NIC, with fixed IP and MAC annotations', () => {
    const objects = synth(chart => new WukongVm(chart, 'vm', {
      networks: [{ name: 'ovn0', type: 'kube-ovn', subnet: { cidrBlock: '172.17.0.0/16', excludeIps: ['172.17.0.0..172.17.0.10'] }, ipConfig: { address: '172.17.0.5/16' } }],
    }));
    expect(one(objects, 'Subnet', 'vm-ovn0-nad').spec.provider).toBe('vm-ovn0-nad.default.ovn');
    expect(one(objects, 'VirtualMachine').spec.template.metadata.annotations).toEqual({
      'vm-ovn0-nad.default.ovn.kubernetes.io/ip_address': '172.17.0.5',
      'vm-ovn0-nad.default.ovn.kubernetes.io/mac_address': deriveMac('default', 'vm', 'ovn0'),
    });
    expect(referenceProblems(objects)).toEqual([]);
  });

  it('carries small network data inline when asked', () => {
    const objects = synth(chart => new WukongVm(chart, 'vm', { networkDataDelivery: 'inline', networks: [{ name: 'eth0' }] }));
    expect(ofKind(objects, 'Secret')).toEqual([]);
    const volume = one(objects, 'VirtualMachine').spec.template.spec.volumes[1];
    expect(volume.cloudInitNoCloud.userData).toBe(DEFAULT_USER_DATA);
    expect(volume.cloudInitNoCloud.networkData).toContain('set-name: "eth0"');
  });

  it('turns off KubeVirt\'s automatic pod interface when the pod network is disabled', () => {
    const objects = synth(chart => new WukongVm(chart, 'vm', { podNetwork: { enabled: false }, networks: [{ name: 'eth0' }] }));
    const devices = one(objects, 'VirtualMachine').spec.template.spec.domain.devices;
    expect(devices.autoattachPodInterface).toBe(false);
    expect(devices.interfaces.map((i: { name: string }) => i.name)).toEqual(['eth0']);
  });

  it('builds from a seed Wukong object', () => {
    const objects = synth(chart => WukongVm.fromWukong(chart, 'vm', {
      apiVersion: 'vm.novasphere.dev/v1alpha1',
      kind: 'Wukong',
      metadata: { name: 'multi-vlan-vm', namespace: 'lab', labels: { team: 'net' } },
      spec: { networks: [{ name: 'eth0', type: 'bridge', primary: true, ipConfig: { mode: 'dhcp' } }, { name: 'eth1', vlanId: 100, ipConfig: { address: '192.168.100.100/24' } }] },
    }));
    const vm = one(objects, 'VirtualMachine');
    expect(vm.metadata).toMatchObject({ name: 'multi-vlan-vm', namespace: 'lab', labels: { 'team': 'net', 'app.kubernetes.io/managed-by': 'wukong' } });
    expect(ofKind(objects, 'NetworkAttachmentDefinition').map(n => n.metadata.name)).toEqual(['multi-vlan-vm-eth0-nad', 'multi-vlan-vm-eth1-nad']);
  });

  it('fails if a Wukong object is invalid, naming manifest fields', () => {
    expect(() => WukongVm.fromWukong(quietChart(), 'vm', {
      apiVersion: 'vm.novasphere.dev/v1alpha1', kind: 'Wukong', metadata: { name: 'x' }, spec: { networks: [{ name: 'eth0', vlanId: 4095 }] },
    })).toThrow(/spec.networks\[0\].vlanId: 4095 is out of range 1..4094/);
  });

  it('fails with every error of the props at once', () => {
    let error: WukongValidationError | undefined;
    try {
      new WukongVm(quietChart(), 'vm', {
        cpu: 0,
        networks: [
          { name: 'eth0', vlanId: 0, mtu: 20 },
          { name: 'eth0', ipConfig: { address: '10.0.0.300/24' } },
          { name: 'eth2', type: 'sriov' },
        ],
      });
    } catch (e) {
      error = e as WukongValidationError;
    }
    expect(error).toBeInstanceOf(WukongValidationError);
    expect(error!.issues.map(i => i.path)).toEqual(expect.arrayContaining([
      'cpu', 'networks[0].vlanId', 'networks[0].mtu', 'networks[1].name', 'networks[1].ipConfig.address', 'networks[2].resourceName',
    ]));
  });

  it('fails if two VMs of the app would share a MAC', () => {
    const chart = quietChart();
    new WukongVm(chart, 'a', { networks: [{ name: 'eth0', macAddress: '02:00:00:00:00:01' }] });
    expect(() => new WukongVm(chart, 'b', { networks: [{ name: 'eth0', macAddress: '02:00:00:00:00:01' }] }))
      .toThrow(/networks\[0\].macAddress: '02:00:00:00:00:01' is already the MAC of test\/a/);
  });

  it('fails if two VMs use the same IP on the same network', () => {
    const chart = quietChart();
    new WukongVm(chart, 'a', { networks: [{ name: 'eth0', nadName: 'shared', ipConfig: { address: '10.0.0.5/24' } }] });
    expect(() => new WukongVm(chart, 'b', { networks: [{ name: 'eth0', nadName: 'shared', ipConfig: { address: '10.0.0.5/24' } }] }))
      .toThrow(/10.0.0.5 is already used on network default\/shared by test\/a/);
  });

  it('fails if a NIC names a MultiNic the app does not have', () => {
    const vm = new WukongVm(quietChart(), 'vm');
    expect(() => vm.addNic({ name: 'x', nadName: 'n', sharedBy: 'nope' })).toThrow(/networks\[0\].sharedBy: no MultiNic named 'nope'/);
  });

  it('prints its warnings once at synth, unless the app turns them off', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const chart = Testing.chart();
      const vm = new WukongVm(chart, 'vm', { networks: [{ name: 'eth1', type: 'macvlan', ipConfig: { mode: 'dhcp' } }] });
      expect(vm.warnings.map(w => w.path)).toEqual(['networks[0].type']);
      Testing.synth(chart);
      Testing.synth(chart);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/^warning: test\/vm: networks\[0\].type: macvlan is realised with KubeVirt's macvtap binding/);
      warn.mockClear();
      const quiet = quietChart();
      new WukongVm(quiet, 'vm', { networks: [{ name: 'eth1', type: 'macvlan', ipConfig: { mode: 'dhcp' } }] });
      Testing.synth(quiet);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('exposes the VirtualMachine as default child for escape hatches', () => {
    const objects = synth(chart => {
      const vm = new WukongVm(chart, 'vm', SPEC);
      (vm.node.defaultChild as ApiObject).addJsonPatch(JsonPatch.add('/spec/template/spec/evictionStrategy', 'LiveMigrate'));
    });
    expect(one(objects, 'VirtualMachine').spec.template.spec.evictionStrategy).toBe('LiveMigrate');
  });
});

describe('WukongVm.attach (NICs on an L1 VirtualMachine)', () => {
  function legacy(chart: Chart, id = 'legacy'): VirtualMachine {
    return new VirtualMachine(chart, id, {
      metadata: { name: 'legacy', labels: { team: 'erp' } },
      spec: {
        runStrategy: 'Always',
        template: {
          spec: {
            domain: { cpu: { sockets: 2 }, devices: { disks: [{ name: 'root', disk: { bus: 'virtio' } }], interfaces: [{ name: 'default', masquerade: {} }] } },
            networks: [{ name: 'default', pod: {} }],
            volumes: [{ name: 'root', persistentVolumeClaim: { claimName: 'legacy-root' } }],
          },
        },
      },
    });
  }

  test('takes the L1 object\'s place: one VirtualMachine, with the VM\'s fields and the NICs of a MultiNic and its own', () => {
    let path = '';
    const objects = synth(chart => {
      const fabric = new MultiNic(chart, 'fabric', { networks: [{ name: 'storage', vlanId: 200 }] });
      const vm = WukongVm.attach(legacy(chart), { networks: [fabric.nic('storage', { ipConfig: { address: '192.168.200.5/24' } }), { name: 'mgmt', vlanId: 10 }] });
      expect(vm.node.path).toBe(`${chart.node.path}/legacy`);
      path = vm.node.path;
    });
    expect(path).not.toBe('');
    expect(referenceProblems(objects)).toEqual([]);
    const vms = ofKind(objects, 'VirtualMachine');
    expect(vms).toHaveLength(1);
    expect(vms[0].metadata.labels!.team).toBe('erp');
    expect(vms[0].spec.template.spec.domain.cpu).toEqual({ sockets: 2 });
    expect(Object.keys(interfaces(vms[0]))).toEqual(['default', 'storage', 'mgmt']);
    expect(ofKind(objects, 'NetworkAttachmentDefinition').map(n => n.metadata.name)).toEqual(['fabric-storage-nad', 'legacy-mgmt-nad']);
    expect(Object.keys(networkData(one(objects, 'Secret')).ethernets)).toEqual(['default', 'storage', 'mgmt']);
  });

  test('adds NICs later with addNic(), as on a VM Wukong made', () => {
    const objects = synth(chart => WukongVm.attach(legacy(chart)).addNic({ name: 'data', vlanId: 20 }));
    expect(Object.keys(interfaces(one(objects, 'VirtualMachine')))).toEqual(['default', 'data']);
  });

  test('fails if a NIC takes the name of one of the VM\'s interfaces', () => {
    const chart = quietChart();
    expect(() => WukongVm.attach(legacy(chart), { networks: [{ name: 'default', vlanId: 10 }] }))
      .toThrow(/networks\[0\]\.name: 'default' is already used by the VM's pod network 'default'/);
  });
});
