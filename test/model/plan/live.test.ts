import { hasCondition, isListed, isPlugged, parseLiveVm, parseLiveVmi } from '../../../src/model';
import { Json, clone, liveVmOf, networksOf, spec, vmOf, vmiOf } from '../plan-fixtures';

describe('parseLiveVm', () => {
  it.each([
    ['null', null],
    ['a string', 'VirtualMachine'],
    ['an array', [{ kind: 'VirtualMachine' }]],
    ['another kind', { kind: 'VirtualMachineInstance', metadata: { name: 'web' } }],
  ])('rejects %s', (_what, raw) => {
    expect(parseLiveVm(raw)).toBeUndefined();
  });

  it('reads metadata, template metadata, run strategy and NICs with their positions', () => {
    const raw = liveVmOf(vmOf(spec([{ name: 'ovn', type: 'kube-ovn', subnet: { cidrBlock: '10.20.0.0/24' } }])), json => {
      json.metadata.uid = 'u-1';
      json.metadata.generation = 3;
      json.metadata.labels.count = 7;
      networksOf(json).reverse();
    });
    const vm = parseLiveVm(raw)!;
    expect(vm).toMatchObject({
      name: 'web',
      namespace: 'ns',
      uid: 'u-1',
      resourceVersion: '1',
      generation: 3,
      runStrategy: 'Always',
      labels: { 'app.kubernetes.io/managed-by': 'wukong', 'vm.novasphere.dev/name': 'web' },
      annotations: {},
      templateLabels: { 'kubevirt.io/domain': 'web', 'vm.novasphere.dev/name': 'web' },
      templateAnnotations: { 'web-ovn-nad.ns.ovn.kubernetes.io/mac_address': expect.stringMatching(/^[0-9a-f:]{17}$/) },
      conditions: [],
    });
    expect(vm.raw).toBe(raw);
    expect(vm.nics.map(n => [n.name, n.ifaceIndex, n.networkIndex, n.absent])).toEqual([
      ['default', 0, 3, false], ['data', 1, 2, false], ['stor', 2, 1, false], ['ovn', 3, 0, false],
    ]);
    expect(vm.nics[1].iface).toEqual({ name: 'data', bridge: {}, macAddress: expect.any(String) });
    expect(vm.nics[1].network).toEqual({ name: 'data', multus: { networkName: 'web-data-nad' } });
  });

  it('marks state: absent and a missing network', () => {
    const raw = liveVmOf(vmOf(spec()), json => {
      json.spec.template.spec.domain.devices.interfaces[2].state = 'absent';
      json.spec.template.spec.networks.pop();
    });
    const stor = parseLiveVm(raw)!.nics[2];
    expect(stor).toMatchObject({ name: 'stor', absent: true, networkIndex: -1, network: undefined });
  });

  it('reads conditions and defaults the namespace', () => {
    const vm = parseLiveVm({
      kind: 'VirtualMachine',
      metadata: { name: 'x' },
      status: { conditions: [{ type: 'RestartRequired', status: 'True', message: 'm' }, { type: 'Ready', status: false }] },
    })!;
    expect(vm).toMatchObject({ name: 'x', namespace: 'default', nics: [], labels: {}, templateLabels: {}, runStrategy: undefined });
    expect(vm.conditions).toEqual([
      { type: 'RestartRequired', status: 'True', message: 'm' },
      { type: 'Ready', status: 'false', message: undefined },
    ]);
  });

  it('survives mis-typed fields', () => {
    const badSpec = { template: { spec: { domain: { devices: { interfaces: 'eth0' } }, networks: 3 } } };
    const vm = parseLiveVm({ kind: 'VirtualMachine', metadata: 'x', spec: badSpec })!;
    expect(vm).toMatchObject({ name: '', namespace: 'default', nics: [], labels: {} });
  });
});

describe('parseLiveVmi', () => {
  it.each([null, {}, { kind: 'VirtualMachine' }, 'VirtualMachineInstance'])('rejects %j', raw => {
    expect(parseLiveVmi(raw)).toBeUndefined();
  });

  it.each([
    ['Running', true],
    ['Scheduled', true],
    ['Scheduling', true],
    ['Pending', true],
    ['Succeeded', false],
    ['Failed', false],
    ['Unknown', false],
  ])('treats phase %s as running: %s', (phase, running) => {
    expect(parseLiveVmi(vmiOf(['default'], { phase }))).toMatchObject({ phase, running });
  });

  it('treats a VMI without a phase as not running', () => {
    expect(parseLiveVmi({ kind: 'VirtualMachineInstance' }))
      .toEqual({ phase: undefined, running: false, specInterfaces: [], interfaces: [], conditions: [] });
  });

  it('reads spec interfaces, status interfaces and conditions', () => {
    const raw = vmiOf(['default', 'data'], {
      states: { data: 'absent' },
      status: [
        {
          name: 'data',
          mac: '02:00:00:00:00:01',
          ipAddresses: ['192.168.10.5', 7, 'fe80::1'],
          interfaceName: 'data',
          infoSource: 'domain, guest-agent,multus-status',
          linkState: 'up',
          podInterfaceName: 'pod1234',
        },
        { interfaceName: 'lo', infoSource: ['guest-agent'] },
      ],
      conditions: [{ type: 'MigrationRequired', status: 'True' }],
    });
    expect(parseLiveVmi(raw)).toEqual({
      phase: 'Running',
      running: true,
      specInterfaces: [{ name: 'default', state: undefined }, { name: 'data', state: 'absent' }],
      interfaces: [
        {
          name: 'data',
          mac: '02:00:00:00:00:01',
          ipAddresses: ['192.168.10.5', 'fe80::1'],
          interfaceName: 'data',
          infoSource: ['domain', 'guest-agent', 'multus-status'],
          linkState: 'up',
          podInterfaceName: 'pod1234',
        },
        {
          name: undefined, mac: undefined, ipAddresses: [], interfaceName: 'lo', infoSource: [], linkState: undefined, podInterfaceName: undefined,
        },
      ],
      conditions: [{ type: 'MigrationRequired', status: 'True', message: undefined }],
    });
  });
});

describe('isPlugged / isListed / hasCondition', () => {
  const raw: Json = vmiOf(['default', 'data', 'new'], {
    status: [
      { name: 'default', infoSource: 'domain, guest-agent' },
      { name: 'data', infoSource: 'domain, multus-status' },
      { name: 'new', infoSource: 'multus-status' },
      { name: 'gone', infoSource: 'guest-agent' },
    ],
  });
  const vmi = parseLiveVmi(raw)!;

  it.each([
    ['default', true],
    ['data', true],
    ['new', false],
    ['gone', false],
    ['missing', false],
  ])('isPlugged(%s) is %s', (name, plugged) => {
    expect(isPlugged(vmi, name)).toBe(plugged);
  });

  it.each([
    ['data', true],
    ['new', true],
    ['gone', true],
    ['missing', false],
  ])('isListed(%s) is %s', (name, listed) => {
    expect(isListed(vmi, name)).toBe(listed);
  });

  it('lists an interface that is only in the VMI spec', () => {
    const specOnly = clone(raw);
    specOnly.status.interfaces = [];
    expect(isListed(parseLiveVmi(specOnly)!, 'new')).toBe(true);
    expect(isPlugged(parseLiveVmi(specOnly)!, 'new')).toBe(false);
  });

  it('matches a condition only when its status is True', () => {
    const conditions = [{ type: 'RestartRequired', status: 'True' }, { type: 'MigrationRequired', status: 'False' }];
    expect(hasCondition(conditions, 'RestartRequired')).toBe(true);
    expect(hasCondition(conditions, 'MigrationRequired')).toBe(false);
    expect(hasCondition(conditions, 'Ready')).toBe(false);
    expect(hasCondition([], 'RestartRequired')).toBe(false);
  });
});
