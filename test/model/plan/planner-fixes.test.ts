/** Planner rules added for cases the first table missed: inline data, port budget after hot-plugs, stopped VMs, Multus. */
import { decodeLastApplied, planVm, vmPatch, renderResolvedVm, parseLiveVm } from '../../../src/model';
import { DATA, STOR, entryOf, liveOf, rows, scenario, spec, v, vmOf, vmiOf } from '../plan-fixtures';

describe('inline cloud-init data', () => {
  it('marks a change of inline user or network data restart-required: it lives in the VM template', () => {
    const before = { networkDataDelivery: 'inline', userData: '#cloud-config\nx: 1\n', networks: [{ name: 'data' }] };
    const plan = planVm(scenario(before, { ...before, userData: '#cloud-config\nx: 2\n' }));
    expect(entryOf(plan, 'web', 'VirtualMachine')).toMatchObject({ action: 'restart-required', applies: false });
    expect(entryOf(plan, 'web', 'VirtualMachine').reason).toMatch(/inline cloud-init data \(it lives in the VM template; networkDataDelivery: secret/);
    const ip = planVm(scenario(before, { ...before, networks: [{ name: 'data', ipConfig: { address: '10.0.0.5/24', gateway: '10.0.0.1' } }] }));
    expect(entryOf(ip, 'web', 'VirtualMachine').action).toBe('restart-required');
  });

  it('applies the same change to a stopped VM as a template update', () => {
    const before = { networkDataDelivery: 'inline', userData: '#cloud-config\nx: 1\n', networks: [{ name: 'data' }] };
    const plan = planVm(scenario(before, { ...before, userData: '#cloud-config\nx: 2\n' }, { running: false }));
    expect(entryOf(plan, 'web', 'VirtualMachine')).toMatchObject({ action: 'vm-update', applies: true });
  });
});

describe('hot-plug port budget after earlier hot-plugs (§7)', () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `n${i}`, vlanId: 100 + i }));
  const input = (recorded: boolean) => {
    const applied = vmOf({ podNetwork: { enabled: false }, networks: names(5) });
    const desired = vmOf({ podNetwork: { enabled: false }, networks: names(6) });
    const vmi = { ...vmiOf(names(5).map(n => n.name)), metadata: { uid: 'vmi-1' } };
    const live = liveOf(applied, { vmi });
    return { desired, applied, live, kubevirtVersion: v(9), startedInterfaces: recorded ? 'vmi-1:1' : undefined };
  };

  it('rejects a NIC once the ports reserved at start are used up, counting from the recorded start', () => {
    // Started with 1 interface: max(max(0, 4 - 1), max(8 - 3, 3)) = 5 ports; 4 hot-plugged since; n5 is the 5th: fits.
    expect(entryOf(planVm(input(true)), 'n5').action).toBe('hotplug');
    const six = input(true);
    const more = { ...six, desired: vmOf({ podNetwork: { enabled: false }, networks: names(7) }) };
    const plan = planVm(more);
    expect(entryOf(plan, 'n5').action).toBe('hotplug');
    expect(entryOf(plan, 'n6').action).toBe('rejected');
  });

  it('assumes every interface was there at start when nothing is recorded for this VMI', () => {
    expect(entryOf(planVm(input(false)), 'n5').action).toBe('hotplug');
  });

  it('says what to record of the VMI\'s start, and keeps it out of the VM patch (it goes to the record Secret)', () => {
    const i = input(false);
    const plan = planVm(i);
    expect(plan.vmiStart).toEqual({ uid: 'vmi-1', interfaces: 5 });
    const ops = vmPatch({ plan, live: parseLiveVm(i.live!.vm)!, desired: renderResolvedVm(i.desired), appliedDigest: '0123456789abcdef' });
    expect(ops[ops.length - 1]).toEqual({ op: 'add', path: '/metadata/annotations', value: { 'vm.novasphere.dev/applied': '0123456789abcdef' } });
  });

  it('ignores a recorded start of another VMI (the VM restarted since)', () => {
    expect(entryOf(planVm({ ...input(false), startedInterfaces: 'vmi-0:1' }), 'n5').action).toBe('hotplug');
  });
});

describe('stopped VMs', () => {
  it('applies a change to an existing NIC as a template update, with its NAD', () => {
    const plan = planVm(scenario(spec(), { networks: [DATA, { ...STOR, vlanId: 21 }] }, { running: false }));
    expect(entryOf(plan, 'stor')).toMatchObject({ action: 'vm-update', applies: true });
    expect(entryOf(plan, 'ns/web-stor-nad', 'NetworkAttachmentDefinition')).toMatchObject({ action: 'nad-update', applies: true });
    expect(plan.restartRequired).toBe(false);
  });

  it('removes an SR-IOV NIC from a stopped VM directly (absent is only refused on running ones)', () => {
    const vf = { name: 'vf1', type: 'sriov', resourceName: 'intel.com/sriov_netdevice' };
    expect(entryOf(planVm(scenario(spec([vf]), spec(), { running: false })), 'vf1').action).toBe('unplug');
  });
});

describe('Multus missing', () => {
  it('plans exactly one entry per NIC when onMissingMultus is fail', () => {
    const plan = planVm({ desired: vmOf({ networks: [{ name: 'data' }] }), live: { vm: null }, multusInstalled: false, kubevirtVersion: v(9) });
    expect(rows(plan).filter(r => r.startsWith('nic ')).sort()).toEqual(['nic data rejected', 'nic default create']);
  });
});

describe('decodeLastApplied', () => {
  it.each(['{"metadata":{"name":"web"},"spec":null}', '{"metadata":{"name":"web"},"spec":[]}'])('rejects %s', text => {
    expect(decodeLastApplied(text)).toBeUndefined();
  });
});
