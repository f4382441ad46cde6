import { MANIFEST_PATHS, deriveMac, resolveVm } from '../../../src/model';
import { baseVmSpec, errorsOf, expectError, nicOf, resolveOk } from '../fixtures';

const DATA = { name: 'data', vlanId: 10, ipConfig: { address: '192.168.10.5/24' } };
const V2 = 'version: 2\nethernets:\n  eth0:\n    match:\n      macaddress: "02:aa:00:00:00:01"\n    dhcp4: true\n';

/** A base VM with inline user data and network data of its own (its pod NIC pinned). */
function withOwnNetworkData(networkData = V2) {
  return baseVmSpec(s => {
    s.template.spec.domain.devices.interfaces[0].macAddress = '02:aa:00:00:00:01';
    s.template.spec.domain.devices.disks.push({ name: 'cloudinit', disk: { bus: 'virtio' } });
    s.template.spec.volumes.push({ name: 'cloudinit', cloudInitNoCloud: { userData: '#cloud-config\npassword: x\n', networkData } });
  });
}

describe('resolveVm with virtualMachine (NICs attached to a VM defined elsewhere)', () => {
  test('takes over the pod NIC for its network data, with a derived MAC, and keeps it primary', () => {
    const vm = resolveOk({ virtualMachine: baseVmSpec(), networks: [DATA] });
    expect(vm.nics.map(n => [n.name, n.primary, n.rank, n.binding])).toEqual([['default', true, 0, 'masquerade'], ['data', false, 1, 'bridge']]);
    expect(nicOf(vm, 'default').mac).toBe(deriveMac('default', 'vm1', 'default'));
    expect(vm.base?.interfaces).toEqual(['default']);
    expect(vm.cpu).toBeUndefined();
    expect(vm.memory).toBeUndefined();
    expect(vm.image).toBeUndefined();
    expect(vm.runStrategy).toBe('Always');
  });

  test('gives the default route to an attached NIC that asks for it', () => {
    const vm = resolveOk({ virtualMachine: baseVmSpec(), networks: [{ ...DATA, primary: true }] });
    expect(vm.nics.map(n => [n.name, n.primary])).toEqual([['default', false], ['data', true]]);
  });

  test('keeps a pinned pod MAC and a bridge binding as the VM has them', () => {
    const vm = resolveOk({
      virtualMachine: baseVmSpec(s => { s.template.spec.domain.devices.interfaces[0] = { name: 'default', bridge: {}, macAddress: '02:AB:00:00:00:07' }; }),
    });
    expect(nicOf(vm, 'default')).toMatchObject({ mac: '02:ab:00:00:00:07', macSource: 'given', binding: 'bridge' });
  });

  test('writes KubeVirt\'s default pod NIC out for a VM without interfaces, unless autoattachPodInterface is false', () => {
    const bare = (s: Record<string, any>) => { delete s.template.spec.domain.devices.interfaces; delete s.template.spec.networks; };
    expect(resolveOk({ virtualMachine: baseVmSpec(bare), networks: [DATA] }).nics.map(n => n.name)).toEqual(['default', 'data']);
    const noAuto = baseVmSpec(s => { bare(s); s.template.spec.domain.devices.autoattachPodInterface = false; });
    const off = resolveOk({ virtualMachine: noAuto, networks: [DATA] });
    expect(off.nics.map(n => n.name)).toEqual(['data']);
  });

  test('leaves the default route to a VM\'s own network data: no pod NIC of Wukong\'s, attached NICs not primary', () => {
    const vm = resolveOk({ virtualMachine: withOwnNetworkData(), networks: [DATA] });
    expect(vm.nics.map(n => [n.name, n.primary])).toEqual([['data', false]]);
    expect(vm.base?.networkData?.ethernets).toEqual({ eth0: { match: { macaddress: '02:aa:00:00:00:01' }, dhcp4: true } });
    expect(vm.userData).toBe('#cloud-config\npassword: x\n');
  });

  test('reads network data under `network:` and base64-encoded', () => {
    const encoded = withOwnNetworkData();
    const noCloud = encoded.template.spec.volumes[1].cloudInitNoCloud;
    noCloud.networkDataBase64 = Buffer.from(`network:\n  ${V2.split('\n').join('\n  ')}`).toString('base64');
    delete noCloud.networkData;
    expect(resolveOk({ virtualMachine: encoded, networks: [DATA] }).base?.networkData?.ethernets.eth0).toBeDefined();
  });

  test('reads `running` as the runStrategy KubeVirt takes it for, and drops it', () => {
    const vm = resolveOk({ virtualMachine: baseVmSpec(s => { delete s.runStrategy; s.running = false; }) });
    expect(vm.runStrategy).toBe('Halted');
    expect(vm.base?.spec.running).toBeUndefined();
  });

  test('fails if a machine field is set beside virtualMachine, naming where it goes', () => {
    expectError({ virtualMachine: baseVmSpec(), cpu: 2 }, 'cpu', /^belongs to the VM's own spec when NICs are attached to it \(virtualMachine\); set it there, in virtualMachine\.template\.spec\.domain\.cpu$/);
    expectError({ virtualMachine: baseVmSpec(), podNetwork: { name: 'pod' } }, 'podNetwork', /virtualMachine\.template\.spec\.networks$/);
  });

  test('fails if virtualMachine has no template', () => {
    expectError({ virtualMachine: { runStrategy: 'Always' } }, 'virtualMachine.template.spec', /^is required: give the VirtualMachine's whole spec/);
  });

  test('fails if an attached NIC takes the name of one of the VM\'s interfaces', () => {
    const spec = baseVmSpec(s => {
      s.template.spec.domain.devices.interfaces.push({ name: 'data', bridge: {} });
      s.template.spec.networks.push({ name: 'data', multus: { networkName: 'other' } });
    });
    const { issues } = resolveVm({ name: 'vm1' }, { virtualMachine: spec, networks: [DATA] }, MANIFEST_PATHS);
    expect(errorsOf(issues).map(i => `${i.path}: ${i.message}`)).toEqual([
      'spec.networks[0].name: \'data\' is already used by spec.virtualMachine.template.spec.domain.devices.interfaces[1].name; NIC names must be unique within a VM',
    ]);
  });

  test('fails if an attached NIC takes the name of KubeVirt\'s default pod NIC', () => {
    const bare = baseVmSpec(s => { delete s.template.spec.domain.devices.interfaces; delete s.template.spec.networks; });
    expectError({ virtualMachine: bare, networks: [{ ...DATA, name: 'default' }] }, 'networks[0].name', /already used by KubeVirt's default pod network/);
  });

  test('fails if an attached NIC takes a MAC of the VM\'s own', () => {
    const spec = baseVmSpec(s => {
      s.template.spec.domain.devices.interfaces.push({ name: 'legacy', bridge: {}, macAddress: '02:00:00:00:00:99' });
      s.template.spec.networks.push({ name: 'legacy', multus: { networkName: 'legacy' } });
    });
    expectError({ virtualMachine: spec, networks: [{ ...DATA, macAddress: '02:00:00:00:00:99' }] }, 'networks[0].macAddress',
      /^'02:00:00:00:00:99' is already used by virtualMachine\.template\.spec\.domain\.devices\.interfaces\[1\]\.macAddress/);
  });

  test('fails if an attached NIC takes a MAC of the VM\'s own network data, whichever entry has it', () => {
    const two = `${V2}  eth1:\n    match:\n      macaddress: "02:aa:00:00:00:09"\n    dhcp4: false\n`;
    for (const [mac, entry] of [['02:aa:00:00:00:01', 'eth0'], ['02:aa:00:00:00:09', 'eth1']]) {
      expectError({ virtualMachine: withOwnNetworkData(two), networks: [{ ...DATA, macAddress: mac }] }, 'networks[0].macAddress',
        new RegExp(`already used by virtualMachine\\.template\\.spec\\.volumes\\[1\\]\\.cloudInitNoCloud\\.networkData \\(ethernets\\.${entry}\\)`));
    }
  });

  test('fails if an attached NIC is primary on a VM with network data of its own', () => {
    expectError({ virtualMachine: withOwnNetworkData(), networks: [{ ...DATA, primary: true }] }, 'networks[0].primary',
      /^is set, but the VM's own network data decides its default route/);
  });

  test('fails if the VM reads its network data from a Secret Wukong cannot add to', () => {
    const spec = baseVmSpec(s => {
      s.template.spec.volumes.push({ name: 'ci', cloudInitNoCloud: { secretRef: { name: 'mine' }, networkDataSecretRef: { name: 'mine' } } });
    });
    expectError({ virtualMachine: spec, networks: [DATA] }, 'virtualMachine.template.spec.volumes[1].cloudInitNoCloud.networkDataSecretRef',
      /^reads the guest's network data from Secret 'mine', which Wukong cannot add its NICs to: move that network data inline/);
  });

  test('fails if the VM\'s network data is version 1', () => {
    expectError({ virtualMachine: withOwnNetworkData('version: 1\nconfig: []\n'), networks: [DATA] },
      'virtualMachine.template.spec.volumes[1].cloudInitNoCloud.networkData', /^is network-config version 1; Wukong adds its NICs to version 2 entries by MAC/);
  });

  test('fails if the VM uses a config drive', () => {
    const spec = baseVmSpec(s => { s.template.spec.volumes.push({ name: 'cd', cloudInitConfigDrive: { userData: '#cloud-config\n' } }); });
    expectError({ virtualMachine: spec, networks: [DATA] }, 'virtualMachine.template.spec.volumes[1]', /^\('cd'\) is a cloudInitConfigDrive/);
  });

  test('fails if the pod NIC can be found neither by MAC nor by a binding Wukong knows', () => {
    const spec = baseVmSpec(s => { s.template.spec.domain.devices.interfaces[0] = { name: 'default', binding: { name: 'passt' } }; });
    expectError({ virtualMachine: spec, networks: [DATA] }, 'virtualMachine.template.spec.domain.devices.interfaces[0]', /pin its macAddress/);
  });
});
