import { NicState, nicStatuses, parseLiveVm, parseLiveVmi } from '../../../src/model';
import { Json, liveVmOf, markAbsent, spec, vmOf, vmiOf } from '../plan-fixtures';

const base = vmOf(spec());
const macOf = (name: string) => base.nics.find(n => n.name === name)!.mac;

function statuses(vmi: Json | undefined, edit?: (json: Json) => void) {
  return nicStatuses(parseLiveVm(liveVmOf(base, edit))!, vmi ? parseLiveVmi(vmi) : undefined);
}

describe('nicStatuses', () => {
  it('reports every NIC as stopped without a VMI, with the MAC of the template', () => {
    expect(statuses(undefined, markAbsent('stor'))).toEqual([
      { name: 'default', mac: macOf('default'), ipAddresses: [], infoSource: [], state: 'stopped', progress: 'attached when the VM starts' },
      { name: 'data', mac: macOf('data'), ipAddresses: [], infoSource: [], state: 'stopped', progress: 'attached when the VM starts' },
      {
        name: 'stor', mac: macOf('stor'), ipAddresses: [], infoSource: [], state: 'stopped', progress: 'removed from the template at the next start',
      },
    ]);
  });

  it('reports stopped when the VMI has finished', () => {
    expect(statuses(vmiOf(['default', 'data', 'stor'], { phase: 'Succeeded' })).map(s => s.state)).toEqual(['stopped', 'stopped', 'stopped']);
  });

  it('reports what the guest agent sees for an attached NIC', () => {
    const vmi = vmiOf(['default', 'data', 'stor'], {
      status: [
        { name: 'default', infoSource: 'domain' },
        {
          name: 'data',
          mac: '02:aa:00:00:00:01',
          ipAddresses: ['192.168.10.5'],
          interfaceName: 'data',
          infoSource: 'domain, guest-agent, multus-status',
          linkState: 'up',
        },
      ],
    });
    const [pod, data] = statuses(vmi);
    expect(pod).toMatchObject({ state: 'attached', progress: 'plugged; no guest agent report', mac: macOf('default') });
    expect(data).toEqual({
      name: 'data',
      mac: '02:aa:00:00:00:01',
      ipAddresses: ['192.168.10.5'],
      guestInterfaceName: 'data',
      linkState: 'up',
      infoSource: ['domain', 'guest-agent', 'multus-status'],
      state: 'attached',
      progress: 'plugged; guest sees it as data',
    });
  });

  it('says ? when the guest agent reports no interface name', () => {
    const vmi = vmiOf(['default'], { status: [{ name: 'default', infoSource: 'domain, guest-agent' }] });
    expect(statuses(vmi)[0].progress).toBe('plugged; guest sees it as ?');
  });

  it.each<[string, Json, NicState, string]>([
    ['pod side attached', { status: [{ name: 'stor', infoSource: 'multus-status' }] }, 'attaching', 'pod interface attached; waiting for the domain'],
    ['in the VMI spec only', { status: [] }, 'pending', 'in the VMI, waiting for Multus'],
    [
      'migration required', { status: [{ name: 'stor', infoSource: 'multus-status' }], conditions: [{ type: 'MigrationRequired', status: 'True' }] },
      'waiting-for-migration', 'MigrationRequired: applied by the next live migration',
    ],
    [
      'migration not required', { status: [], conditions: [{ type: 'MigrationRequired', status: 'False' }] },
      'pending', 'in the VMI, waiting for Multus',
    ],
  ])('reports a hot-plugged NIC, %s, as %s', (_what, opts, state, progress) => {
    const stor = statuses(vmiOf(['default', 'data', 'stor'], opts))[2];
    expect(stor).toMatchObject({ name: 'stor', state, progress });
  });

  it('reports a NIC missing from the VMI as pending', () => {
    const stor = statuses(vmiOf(['default', 'data']))[2];
    expect(stor).toMatchObject({ state: 'pending', progress: 'not in the VMI yet (hot-plug in progress, or applied at the next restart)' });
  });

  it('reports an attached NIC as attached even while a migration is required', () => {
    const vmi = vmiOf(['default', 'data', 'stor'], { conditions: [{ type: 'MigrationRequired', status: 'True' }] });
    expect(statuses(vmi).map(s => s.state)).toEqual(['attached', 'attached', 'attached']);
  });

  it.each<[string, Json, NicState, string]>([
    [
      'still in the VMI status', { status: [{ name: 'stor', infoSource: 'domain, multus-status' }] },
      'unplugging', 'state: absent; KubeVirt is detaching it',
    ],
    ['still in the VMI spec', { status: [] }, 'unplugging', 'state: absent; KubeVirt is detaching it'],
  ])('reports an absent NIC %s as unplugging', (_what, opts, state, progress) => {
    const stor = statuses(vmiOf(['default', 'data', 'stor'], { states: { stor: 'absent' }, ...opts }), markAbsent('stor'))[2];
    expect(stor).toMatchObject({ state, progress });
  });

  it('reports an absent NIC gone from the VMI as unplugged', () => {
    const stor = statuses(vmiOf(['default', 'data']), markAbsent('stor'))[2];
    expect(stor).toMatchObject({ state: 'unplugged', progress: 'detached; KubeVirt removes its template entries' });
  });
});
