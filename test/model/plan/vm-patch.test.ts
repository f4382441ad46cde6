import { APPLIED_ANNOTATION, JsonPatchOp, LAST_APPLIED_ANNOTATION, PlanInput, STARTED_INTERFACES_ANNOTATION, parseLiveVm, planVm, renderResolvedVm, vmPatch } from '../../../src/model';
import { pointerKey } from '../../../src/model/plan/machine-diff';
import { baseVmSpec } from '../fixtures';
import {
  DATA, Json, MACVLAN, META, MGMT, OVN, STOR, applyJsonPatch, clone, ext, interfacesOf, liveOf, networksOf, scenario, spec, vmOf,
} from '../plan-fixtures';

const IFACES = '/spec/template/spec/domain/devices/interfaces';
const NETS = '/spec/template/spec/networks';
const LA = '0123456789abcdef';
const LA_PATH = '/metadata/annotations/vm.novasphere.dev~1applied';
const RV = { op: 'test', path: '/metadata/resourceVersion', value: '1' };
/** The record pointer op when the live VM has no annotations yet. */
const LA_NEW = { op: 'add', path: '/metadata/annotations', value: { [APPLIED_ANNOTATION]: LA } };

function patchOf(input: PlanInput): { ops: JsonPatchOp[]; live: Json; desired: Json } {
  const plan = planVm(input);
  const live = input.live!.vm as Json;
  const desired = renderResolvedVm(input.desired).virtualMachine as unknown as Json;
  const ops = vmPatch({
    plan,
    live: parseLiveVm(live)!,
    desired: renderResolvedVm(input.desired),
    lastApplied: input.applied ? renderResolvedVm(input.applied) : undefined,
    appliedDigest: LA,
  });
  return { ops, live, desired };
}

function ifaceOf(json: Json, name: string): Json {
  return interfacesOf(json).find(i => i.name === name)!;
}

function netOf(json: Json, name: string): Json {
  return networksOf(json).find(n => n.name === name)!;
}

describe('pointerKey', () => {
  it.each([
    ['plain', 'plain'],
    ['vm.novasphere.dev/name', 'vm.novasphere.dev~1name'],
    ['a~b/c', 'a~0b~1c'],
  ])('escapes %s as %s', (key, escaped) => expect(pointerKey(key)).toBe(escaped));
});

describe('vmPatch', () => {
  it('is empty when nothing changes (no last-applied op alone)', () => {
    expect(patchOf(scenario(spec(), spec())).ops).toEqual([]);
  });

  it('is empty when only owned objects change', () => {
    const { ops } = patchOf(scenario(spec(), spec([], { userData: '#cloud-config\npackages: [htop]\n' })));
    expect(ops).toEqual([]);
  });

  it('appends a hot-plugged interface and network with /- after a resourceVersion test', () => {
    const { ops, live, desired } = patchOf(scenario(spec(), spec([MGMT])));
    expect(ops[0]).toEqual(RV);
    expect(ops).toEqual([
      RV,
      { op: 'add', path: `${IFACES}/-`, value: ifaceOf(desired, 'mgmt') },
      { op: 'add', path: `${NETS}/-`, value: { name: 'mgmt', multus: { networkName: 'web-mgmt-nad' } } },
      LA_NEW,
    ]);
    expect(ifaceOf(desired, 'mgmt')).toEqual({ name: 'mgmt', bridge: {}, macAddress: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/) });
    const after = applyJsonPatch(live, ops);
    expect(interfacesOf(after)).toEqual(interfacesOf(desired));
    expect(networksOf(after)).toEqual(networksOf(desired));
    expect(after.metadata.annotations).toEqual({ [APPLIED_ANNOTATION]: LA });
  });

  it('tests the live resourceVersion', () => {
    const { ops } = patchOf(scenario(spec(), spec([MGMT]), { editVm: json => (json.metadata.resourceVersion = '42') }));
    expect(ops[0]).toEqual({ op: 'test', path: '/metadata/resourceVersion', value: '42' });
  });

  it('unplugs on a running VM with a name test and state: absent, keeping both entries', () => {
    const { ops, live } = patchOf(scenario(spec(), { networks: [DATA] }));
    expect(ops).toEqual([
      RV,
      { op: 'test', path: `${IFACES}/2/name`, value: 'stor' },
      { op: 'add', path: `${IFACES}/2/state`, value: 'absent' },
      LA_NEW,
    ]);
    const after = applyJsonPatch(live, ops);
    expect(interfacesOf(after).map(i => [i.name, i.state])).toEqual([['default', undefined], ['data', undefined], ['stor', 'absent']]);
    expect(networksOf(after).map(n => n.name)).toEqual(['default', 'data', 'stor']);
  });

  it('fails if the interface moved: the name test guards the index', () => {
    const { ops, live } = patchOf(scenario(spec(), { networks: [DATA] }));
    const moved = clone(live);
    interfacesOf(moved).reverse();
    expect(() => applyJsonPatch(moved, ops)).toThrow(`test ${IFACES}/2/name: "default" is not "stor"`);
  });

  it('removes entries of a stopped VM from the highest index down, each guarded by a test', () => {
    const input = scenario(spec([MGMT]), { networks: [DATA] }, { running: false, editVm: json => networksOf(json).reverse() });
    const { ops, live, desired } = patchOf(input);
    expect(ops).toEqual([
      RV,
      { op: 'test', path: `${IFACES}/3/name`, value: 'mgmt' },
      { op: 'remove', path: `${IFACES}/3` },
      { op: 'test', path: `${IFACES}/2/name`, value: 'stor' },
      { op: 'remove', path: `${IFACES}/2` },
      { op: 'test', path: `${NETS}/1/name`, value: 'stor' },
      { op: 'remove', path: `${NETS}/1` },
      { op: 'test', path: `${NETS}/0/name`, value: 'mgmt' },
      { op: 'remove', path: `${NETS}/0` },
      LA_NEW,
    ]);
    const after = applyJsonPatch(live, ops);
    expect(interfacesOf(after)).toEqual(interfacesOf(desired));
    expect(networksOf(after)).toEqual([netOf(desired, 'data'), netOf(desired, 'default')]);
  });

  it('writes a restart-required interface change only with allowRestart', () => {
    const after = { networks: [DATA, { ...STOR, macAddress: '02:00:00:00:00:99' }] };
    expect(patchOf(scenario(spec(), after)).ops).toEqual([]);
    const { ops, live, desired } = patchOf(scenario(spec(), after, { allowRestart: true }));
    expect(ops).toEqual([
      RV,
      { op: 'test', path: `${IFACES}/2/name`, value: 'stor' },
      { op: 'replace', path: `${IFACES}/2`, value: { name: 'stor', bridge: {}, macAddress: '02:00:00:00:00:99' } },
      { op: 'test', path: `${NETS}/2/name`, value: 'stor' },
      { op: 'replace', path: `${NETS}/2`, value: { name: 'stor', multus: { networkName: 'web-stor-nad' } } },
      LA_NEW,
    ]);
    expect(interfacesOf(applyJsonPatch(live, ops))).toEqual(interfacesOf(desired));
  });

  it('appends a new restart-required NIC only with allowRestart', () => {
    expect(patchOf(scenario(spec(), spec([MACVLAN]))).ops).toEqual([]);
    const { ops, desired } = patchOf(scenario(spec(), spec([MACVLAN]), { allowRestart: true }));
    expect(ops).toEqual([
      RV,
      { op: 'add', path: `${IFACES}/-`, value: { name: 'mv', binding: { name: 'macvtap' }, macAddress: ifaceOf(desired, 'mv').macAddress } },
      { op: 'add', path: `${NETS}/-`, value: { name: 'mv', multus: { networkName: 'web-mv-nad' } } },
      LA_NEW,
    ]);
  });

  it('removes a restart-required (macvtap) NIC from a running VM only with allowRestart', () => {
    expect(patchOf(scenario(spec([MACVLAN]), spec())).ops).toEqual([]);
    const { ops, live, desired } = patchOf(scenario(spec([MACVLAN]), spec(), { allowRestart: true }));
    expect(ops).toEqual([
      RV,
      { op: 'test', path: `${IFACES}/3/name`, value: 'mv' },
      { op: 'remove', path: `${IFACES}/3` },
      { op: 'test', path: `${NETS}/3/name`, value: 'mv' },
      { op: 'remove', path: `${NETS}/3` },
      LA_NEW,
    ]);
    expect(interfacesOf(applyJsonPatch(live, ops))).toEqual(interfacesOf(desired));
  });

  it('swaps a NAD reference in place (hotplug-via-migration)', () => {
    const { ops } = patchOf(scenario(spec([ext('ext-a')]), spec([ext('ext-b')])));
    expect(ops.slice(1, 5)).toEqual([
      { op: 'test', path: `${IFACES}/3/name`, value: 'ext' },
      { op: 'replace', path: `${IFACES}/3`, value: expect.objectContaining({ name: 'ext', bridge: {} }) },
      { op: 'test', path: `${NETS}/3/name`, value: 'ext' },
      { op: 'replace', path: `${NETS}/3`, value: { name: 'ext', multus: { networkName: 'ext-b' } } },
    ]);
  });

  it('writes only the changed machine fields, leaf by leaf, for a restart-required VM change only with allowRestart', () => {
    expect(patchOf(scenario(spec(), spec([], { cpu: 2 }))).ops).toEqual([]);
    const { ops, live, desired } = patchOf(scenario(spec(), spec([], { cpu: 2, image: 'example.com/img:2' }), { allowRestart: true }));
    const volumes = desired.spec.template.spec.volumes;
    expect(ops).toEqual([
      RV,
      { op: 'add', path: '/spec/template/spec/domain/cpu/cores', value: 2 },
      { op: 'test', path: '/spec/template/spec/volumes/0/name', value: 'containerdisk' },
      { op: 'replace', path: '/spec/template/spec/volumes/0', value: volumes[0] },
      { op: 'test', path: '/spec/template/spec/volumes/1/name', value: 'cloudinitdisk' },
      { op: 'replace', path: '/spec/template/spec/volumes/1', value: volumes[1] },
      LA_NEW,
    ]);
    expect(applyJsonPatch(live, ops).spec.template.spec).toEqual(desired.spec.template.spec);
  });

  it('replaces the runStrategy for a vm-update', () => {
    const { ops } = patchOf(scenario(spec(), spec([], { runStrategy: 'Halted' })));
    expect(ops).toEqual([RV, { op: 'replace', path: '/spec/runStrategy', value: 'Halted' }, LA_NEW]);
  });

  it('touches only managed label keys: adds wanted, removes last applied, never a foreign one; escapes / as ~1', () => {
    const applied = vmOf(spec(), { ...META, labels: { old: 'x' } });
    const desired = vmOf(spec(), { ...META, labels: { 'example.com/team': 'blue' } });
    const foreign = (json: Json) => (json.metadata.labels['other.example.com/owner'] = 'ops');
    const { ops, live } = patchOf({ desired, applied, live: liveOf(applied, { editVm: foreign }) });
    expect(ops).toEqual([
      RV,
      { op: 'add', path: '/metadata/labels/example.com~1team', value: 'blue' },
      { op: 'remove', path: '/metadata/labels/old' },
      { op: 'add', path: '/spec/template/metadata/labels/example.com~1team', value: 'blue' },
      { op: 'remove', path: '/spec/template/metadata/labels/old' },
      LA_NEW,
    ]);
    const after = applyJsonPatch(live, ops);
    expect(after.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'wukong', 'vm.novasphere.dev/name': 'web', 'example.com/team': 'blue', 'other.example.com/owner': 'ops',
    });
    expect(after.spec.template.metadata.labels).toEqual({ 'kubevirt.io/domain': 'web', 'vm.novasphere.dev/name': 'web', 'example.com/team': 'blue' });
  });

  it('creates the annotations map when the VM has none, and the record pointer goes into it', () => {
    const input = scenario(spec(), spec());
    const { ops, live } = patchOf({ ...input, desired: vmOf(spec(), { ...META, annotations: { 'example.com/note': 'hi' } }) });
    expect(ops).toEqual([
      RV,
      { op: 'add', path: '/metadata/annotations', value: {} },
      { op: 'add', path: '/metadata/annotations/example.com~1note', value: 'hi' },
      { op: 'add', path: LA_PATH, value: LA },
    ]);
    expect(applyJsonPatch(live, ops).metadata.annotations).toEqual({ 'example.com/note': 'hi', [APPLIED_ANNOTATION]: LA });
  });

  it('points the VM at the new record entry and leaves foreign annotations alone', () => {
    const input = scenario(spec(), spec([MGMT]), {
      editVm: json => (json.metadata.annotations = { [APPLIED_ANNOTATION]: 'fedcba9876543210', 'other.example.com/x': 'y' }),
    });
    const { ops, live } = patchOf(input);
    expect(ops[ops.length - 1]).toEqual({ op: 'add', path: LA_PATH, value: LA });
    expect(ops.filter(o => o.path.startsWith('/metadata/annotations'))).toHaveLength(1);
    expect(applyJsonPatch(live, ops).metadata.annotations).toEqual({ [APPLIED_ANNOTATION]: LA, 'other.example.com/x': 'y' });
  });

  it('moves an earlier release\'s record off the VM with its next change (migration)', () => {
    const legacy = { [LAST_APPLIED_ANNOTATION]: '{"metadata":{"name":"web"},"spec":{}}', [STARTED_INTERFACES_ANNOTATION]: 'vmi-1:2', 'other.example.com/x': 'y' };
    const input = scenario(spec(), spec([MGMT]), { editVm: json => (json.metadata.annotations = { ...legacy }) });
    const { ops, live } = patchOf(input);
    expect(ops.filter(o => o.path.startsWith('/metadata/annotations'))).toEqual([
      { op: 'add', path: LA_PATH, value: LA },
      { op: 'remove', path: '/metadata/annotations/vm.novasphere.dev~1last-applied' },
      { op: 'remove', path: '/metadata/annotations/vm.novasphere.dev~1started-interfaces' },
    ]);
    expect(applyJsonPatch(live, ops).metadata.annotations).toEqual({ [APPLIED_ANNOTATION]: LA, 'other.example.com/x': 'y' });
  });

  it('writes the Kube-OVN fixed IP template annotation with the NIC change (allowRestart)', () => {
    const ovn = (address: string) => ({ ...OVN, ipConfig: { address } });
    const input = scenario(spec([ovn('10.20.0.5/24')]), spec([ovn('10.20.0.6/24')]), { allowRestart: true });
    const { ops, live, desired } = patchOf(input);
    const path = '/spec/template/metadata/annotations/web-ovn-nad.ns.ovn.kubernetes.io~1ip_address';
    expect(ops).toContainEqual({ op: 'add', path, value: '10.20.0.6' });
    expect(applyJsonPatch(live, ops).spec.template.metadata).toEqual(desired.spec.template.metadata);
    expect(patchOf({ ...input, allowRestart: false }).ops).toEqual([]);
  });

  it('yields the desired interfaces and networks for a mixed change on a stopped VM', () => {
    const input = scenario(spec([MGMT]), { networks: [DATA, { ...STOR, vlanId: 21 }, OVN], cpu: 2 }, { running: false, allowRestart: true });
    const { ops, live, desired } = patchOf(input);
    const after = applyJsonPatch(live, ops);
    expect(interfacesOf(after)).toEqual(interfacesOf(desired));
    expect(networksOf(after)).toEqual(networksOf(desired));
    expect(after.spec.template.spec.domain.cpu.cores).toBe(2);
  });
});

describe('vmPatch: a VM defined elsewhere, NICs attached', () => {
  const foreign = (vmSpec: Json) => ({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { ...META, resourceVersion: '1' }, spec: vmSpec });

  it('adds the cloud-init volume and disk the VM lacks, with --allow-restart, and leaves the VM\'s own fields alone', () => {
    const own = baseVmSpec();
    const input: PlanInput = {
      desired: vmOf({ virtualMachine: own, networks: [DATA] }),
      live: { vm: foreign(clone(own)), vmi: null, nads: [], subnets: [], secret: null },
      kubevirtVersion: { major: 1, minor: 8 },
      allowRestart: true,
    };
    const { ops, live, desired } = patchOf(input);
    expect(ops).toContainEqual({ op: 'add', path: '/spec/template/spec/volumes/-', value: desired.spec.template.spec.volumes[1] });
    expect(ops).toContainEqual({ op: 'add', path: '/spec/template/spec/domain/devices/disks/-', value: { name: 'cloudinitdisk', disk: { bus: 'virtio' } } });
    const after = applyJsonPatch(live, ops);
    expect(after.spec.template.spec).toEqual(desired.spec.template.spec);
    expect(after.spec.template.spec.domain.cpu).toEqual(own.template.spec.domain.cpu);
  });

  it('replaces the VM\'s own cloud-init volume under its own name', () => {
    const own = baseVmSpec(s => {
      s.template.spec.domain.devices.disks.push({ name: 'ci', disk: { bus: 'virtio' } });
      s.template.spec.volumes.push({ name: 'ci', cloudInitNoCloud: { userData: '#cloud-config\n' } });
    });
    const { ops, live, desired } = patchOf({
      desired: vmOf({ virtualMachine: own, networks: [DATA] }),
      live: { vm: foreign(clone(own)), vmi: null, nads: [], subnets: [], secret: null },
      kubevirtVersion: { major: 1, minor: 8 },
    });
    expect(ops).toContainEqual({ op: 'test', path: '/spec/template/spec/volumes/1/name', value: 'ci' });
    expect(applyJsonPatch(live, ops).spec.template.spec).toEqual(desired.spec.template.spec);
  });
});

describe('vmPatch: a VM with the deprecated `running`', () => {
  it('reads it as its strategy, and trades it for runStrategy when the strategy changes', () => {
    const own = baseVmSpec(s => { delete s.runStrategy; s.running = true; });
    const live = { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', metadata: { ...META, resourceVersion: '1' }, spec: own };
    const input = (running: boolean): PlanInput => ({
      desired: vmOf({ virtualMachine: baseVmSpec(s => { delete s.runStrategy; s.running = running; }), networks: [DATA] }),
      live: { vm: clone(live), vmi: null, nads: [], subnets: [], secret: null },
      kubevirtVersion: { major: 1, minor: 8 },
    });
    expect(patchOf(input(true)).ops.filter(o => o.path.startsWith('/spec/run'))).toEqual([]);
    const { ops } = patchOf(input(false));
    expect(ops.filter(o => o.path.startsWith('/spec/run'))).toEqual([{ op: 'remove', path: '/spec/running' }, { op: 'add', path: '/spec/runStrategy', value: 'Halted' }]);
  });
});
