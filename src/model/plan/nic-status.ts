/** Where each NIC of a VM stands, read from the VM template and the VMI (kubevirt-hotplug.md §8). */
import { LiveVm, LiveVmi, hasCondition } from './live';

/** Where a NIC stands in its way into or out of the running VM. */
export type NicState =
  /** The VM is not running; the NIC is in its template. */
  | 'stopped'
  /** In the template, not yet in the VMI (being hot-plugged, or waiting for a restart). */
  | 'pending'
  /** The pod side is attached (`multus-status`), the domain not yet. */
  | 'attaching'
  /** A live migration must happen first (`MigrationRequired`). */
  | 'waiting-for-migration'
  /** Plugged into the domain (`infoSource` has `domain`). */
  | 'attached'
  /** `state: absent` set; KubeVirt is detaching it. */
  | 'unplugging'
  /** Gone from the VMI; KubeVirt will drop its template entries. */
  | 'unplugged';

/** The status of one NIC of a VM: its MAC and addresses as the VMI reports them, its state and what happens next. */
export interface NicStatus {
  readonly name: string;
  readonly mac?: string;
  readonly ipAddresses: string[];
  /** Interface name inside the guest (guest agent only). */
  readonly guestInterfaceName?: string;
  readonly linkState?: string;
  readonly state: NicState;
  readonly infoSource: string[];
  /** What happens next, in words. */
  readonly progress: string;
}

/** One status per interface of the VM template, in template order. */
export function nicStatuses(vm: LiveVm, vmi: LiveVmi | undefined): NicStatus[] {
  const migration = vmi ? hasCondition(vmi.conditions, 'MigrationRequired') : false;
  return vm.nics.map(nic => {
    const st = vmi?.interfaces.find(i => i.name === nic.name);
    const inSpec = vmi?.specInterfaces.some(i => i.name === nic.name) ?? false;
    const base = {
      name: nic.name,
      mac: st?.mac ?? (nic.iface.macAddress as string | undefined),
      ipAddresses: st?.ipAddresses ?? [],
      guestInterfaceName: st?.interfaceName,
      linkState: st?.linkState,
      infoSource: st?.infoSource ?? [],
    };
    if (!vmi?.running) return { ...base, state: 'stopped' as const, progress: nic.absent ? 'removed from the template at the next start' : 'attached when the VM starts' };
    if (nic.absent) {
      return st || inSpec
        ? { ...base, state: 'unplugging' as const, progress: 'state: absent; KubeVirt is detaching it' }
        : { ...base, state: 'unplugged' as const, progress: 'detached; KubeVirt removes its template entries' };
    }
    if (st?.infoSource.includes('domain')) {
      const guest = st.infoSource.includes('guest-agent') ? `guest sees it as ${st.interfaceName ?? '?'}` : 'no guest agent report';
      return { ...base, state: 'attached' as const, progress: `plugged; ${guest}` };
    }
    if (migration) return { ...base, state: 'waiting-for-migration' as const, progress: 'MigrationRequired: applied by the next live migration' };
    if (st?.infoSource.includes('multus-status')) return { ...base, state: 'attaching' as const, progress: 'pod interface attached; waiting for the domain' };
    return { ...base, state: 'pending' as const, progress: inSpec ? 'in the VMI, waiting for Multus' : 'not in the VMI yet (hot-plug in progress, or applied at the next restart)' };
  });
}
