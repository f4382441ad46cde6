import { parseLiveVm, planExitCode, planVm, renderResolvedVm, resolveVm, vmPatch } from '../../../src/model';
import { buildNetworkData } from '../../../src/model/render/cloud-init';
import {
  DATA, Json, META, OVN, STOR, VF, applyJsonPatch, entryOf, interfacesOf, markAbsent, rows, scenario, spec, v, vmOf,
} from '../plan-fixtures';

const absent = (nic: Json) => ({ ...nic, state: 'absent' });
const down = (nic: Json) => ({ ...nic, linkState: 'down' });

function errorsOf(wukongSpec: unknown): string[] {
  return resolveVm(META, wukongSpec).issues.filter(i => i.severity === 'error').map(i => `${i.path}: ${i.message}`);
}

/** The live VM after applying the plan of `input` with vmPatch. */
function patched(input: ReturnType<typeof scenario>): Json {
  const plan = planVm(input);
  const ops = vmPatch({ plan, live: parseLiveVm(input.live!.vm)!, desired: renderResolvedVm(input.desired), appliedDigest: 'x' });
  return applyJsonPatch(input.live!.vm as Json, ops);
}

describe('state: absent', () => {
  it('keeps the interface (state absent, same MAC), its network and its NAD, and drops it from the network data', () => {
    const before = renderResolvedVm(vmOf(spec()));
    const after = renderResolvedVm(vmOf(spec([], { networks: [DATA, absent(STOR)] })));
    const iface = (r: typeof before) => r.virtualMachine.spec.template.spec.domain.devices.interfaces!.find(i => i.name === 'stor');
    expect(iface(after)).toEqual({ ...iface(before), state: 'absent' });
    expect(after.virtualMachine.spec.template.spec.networks).toEqual(before.virtualMachine.spec.template.spec.networks);
    expect(after.nads).toEqual(before.nads);
    expect(Object.keys(buildNetworkData(after.vm).ethernets)).toEqual(['data', 'default']);
  });

  it('is never chosen as the default primary NIC', () => {
    const vm = vmOf({ networks: [absent(STOR), DATA] });
    expect(vm.nics.find(n => n.primary)?.name).toBe('data');
  });

  it.each([
    ['an sriov NIC', [DATA, absent(VF)], /^networks\[1\]\.state: 'absent' unplugs only NICs with KubeVirt's bridge binding .* on a sriov NIC; remove the NIC/],
    ['a macvlan NIC', [DATA, absent({ name: 'mv', type: 'macvlan' })], /^networks\[1\]\.state: .* on a macvlan NIC/],
    ['the primary NIC', [{ ...absent(STOR), primary: true }, DATA], /^networks\[0\]\.state: 'absent' cannot unplug the primary NIC: .*make another NIC primary first$/],
    ['a NIC that also sets linkState', [DATA, { ...absent(STOR), linkState: 'down' }], /^networks\[1\]\.linkState: 'down' does not apply to a NIC being unplugged; remove it$/],
  ])('fails if set on %s', (_title, networks, message) => {
    expect(errorsOf({ networks })).toEqual([expect.stringMatching(message)]);
  });

  it('fails if the value is not present or absent', () => {
    expect(errorsOf({ networks: [DATA, { ...STOR, state: 'gone' }] })).toEqual([expect.stringMatching(/^networks\[1\]\.state: .*'gone'.*present.*absent/)]);
  });

  it('unplugs a running NIC: state absent on its entry only, nothing removed', () => {
    const input = scenario(spec(), { networks: [DATA, absent(STOR)] });
    const plan = planVm(input);
    expect(entryOf(plan, 'stor').action).toBe('unplug');
    expect(plan.entries.filter(e => e.subject === 'NetworkAttachmentDefinition')).toEqual([]);
    expect(interfacesOf(patched(input)).map(i => `${i.name}:${i.state ?? ''}`)).toEqual(['default:', 'data:', 'stor:absent']);
  });

  it('waits while KubeVirt unplugs, and is unchanged once KubeVirt removed the entries (never plugged again)', () => {
    const unplugging = scenario({ networks: [DATA, absent(STOR)] }, { networks: [DATA, absent(STOR)] }, { editVm: markAbsent('stor') });
    expect(entryOf(planVm(unplugging), 'stor')).toMatchObject({ action: 'unchanged', reason: expect.stringMatching(/^unplug in progress/) });
    const gone = scenario({ networks: [DATA, absent(STOR)] }, { networks: [DATA, absent(STOR)] }, {
      editVm: json => {
        json.spec.template.spec.domain.devices.interfaces = interfacesOf(json).filter((i: Json) => i.name !== 'stor');
        json.spec.template.spec.networks = json.spec.template.spec.networks.filter((n: Json) => n.name !== 'stor');
      },
    });
    const plan = planVm(gone);
    expect(entryOf(plan, 'stor')).toMatchObject({ action: 'unchanged', reason: expect.stringMatching(/remove it from the spec to drop its NAD$/) });
    expect(planExitCode(plan)).toBe(0);
    expect(vmPatch({ plan, live: parseLiveVm(gone.live!.vm)!, desired: renderResolvedVm(gone.desired), appliedDigest: 'x' })).toEqual([]);
  });

  it('removes the entries of a stopped VM at once, as KubeVirt advises', () => {
    const input = scenario(spec(), { networks: [DATA, absent(STOR)] }, { running: false });
    expect(entryOf(planVm(input), 'stor').action).toBe('unplug');
    expect(interfacesOf(patched(input)).map(i => i.name)).toEqual(['default', 'data']);
  });

  it('creates a VM with an absent NIC without planning a plug for it', () => {
    const plan = planVm({ desired: vmOf({ networks: [DATA, absent(STOR)] }), live: { vm: null }, kubevirtVersion: v(9) });
    expect(rows(plan)).toContain('nic stor unchanged');
    expect(entryOf(plan, 'stor').addressing).toBeUndefined();
  });
});

describe('linkState', () => {
  it('renders down as the interface state, and up as no state (KubeVirt\'s empty means up)', () => {
    const ifaces = renderResolvedVm(vmOf({ networks: [DATA, down(STOR), { ...OVN, linkState: 'up' }] })).virtualMachine.spec.template.spec.domain.devices.interfaces!;
    expect(ifaces.map(i => `${i.name}:${i.state ?? ''}`)).toEqual(['default:', 'data:', 'stor:down', 'ovn:']);
  });

  it('fails if set on an SR-IOV NIC', () => {
    expect(errorsOf({ networks: [DATA, down(VF)] })).toEqual([expect.stringMatching(/^networks\[1\]\.linkState: 'down' is not supported on SR-IOV NICs/)]);
  });

  it.each([
    ['down', spec(), spec([], { networks: [DATA, down(STOR)] }), 'stor:down'],
    ['up', spec([], { networks: [DATA, down(STOR)] }), spec(), 'stor:'],
  ])('sets the link %s live on a running VM, replacing only that interface entry', (_to, before, after, want) => {
    const input = scenario(before, after);
    const plan = planVm(input);
    expect(entryOf(plan, 'stor')).toMatchObject({ action: 'link-change', applies: true, warnings: [] });
    expect(planExitCode(plan)).toBe(0);
    expect(interfacesOf(patched(input)).map(i => `${i.name}:${i.state ?? ''}`)).toEqual(['default:', 'data:', want]);
  });

  it('is a template change on a stopped VM', () => {
    expect(entryOf(planVm(scenario(spec(), spec([], { networks: [DATA, down(STOR)] }), { running: false })), 'stor').action).toBe('vm-update');
  });

  it('warns on KubeVirt 1.5, which also marks the VM RestartRequired', () => {
    const e = entryOf(planVm(scenario(spec(), spec([], { networks: [DATA, down(STOR)] }), { minor: 5 })), 'stor');
    expect(e.action).toBe('link-change');
    expect(e.warnings).toEqual([expect.stringMatching(/RestartRequired/)]);
  });

  it('is rejected on KubeVirt before 1.5, which has no link state', () => {
    const plan = planVm(scenario(spec(), spec([], { networks: [DATA, down(STOR)] }), { minor: 4 }));
    expect(entryOf(plan, 'stor')).toMatchObject({ action: 'rejected', reason: expect.stringMatching(/added in v1\.5/) });
    expect(planExitCode(plan)).toBe(2);
  });

  it('warns that KubeVirt before 1.6 hot-plugs a NIC with its link up', () => {
    const e = entryOf(planVm(scenario(spec(), spec([down({ name: 'new', vlanId: 70 })]), { minor: 5 })), 'new');
    expect(e.action).toBe('hotplug');
    expect(e.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/plugs it with its link up/)]));
  });

  it('stays unchanged when the live VM already has the link state', () => {
    const input = scenario(spec([], { networks: [DATA, down(STOR)] }), spec([], { networks: [DATA, down(STOR)] }));
    expect(entryOf(planVm(input), 'stor').action).toBe('unchanged');
  });
});

describe('state: absent and the other NICs', () => {
  it('leaves the other NICs\' ranks and metrics as they are without it, so the network data does not change', () => {
    const without = renderResolvedVm(vmOf({ networks: [DATA] }));
    const withAbsent = renderResolvedVm(vmOf({ networks: [{ ...STOR, state: 'absent', priority: 0 }, DATA] }));
    expect(withAbsent.networkData).toBe(without.networkData);
  });
});
