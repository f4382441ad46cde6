/** The result of planning a change to a VM: one entry per NIC and per owned object, in the order it is applied. */
import { KubeVirtVersion } from './kubevirt-version';
import { NicAddressing } from '../net/addressing';

/** What applying a plan does to one NIC or object. */
export type PlanAction =
  /** The VM does not exist yet: it is created whole. */
  | 'create'
  /** Nothing to do. */
  | 'unchanged'
  /** A new NIC with bridge binding on a Multus network: interface (pinned MAC) and network appended. */
  | 'hotplug'
  /** An SR-IOV NIC or a NAD swap: applied by a live migration. */
  | 'hotplug-via-migration'
  /** A removed bridge NIC: `state: absent`; on a stopped VM, its entries are removed. */
  | 'unplug'
  /** The guest NIC's link goes up or down in place (KubeVirt `state: up|down`). */
  | 'link-change'
  /** KubeVirt cannot apply it live: applied to the template only with an explicit opt-in, then a restart applies it. */
  | 'restart-required'
  /** Never allowed; nothing of the plan is applied. */
  | 'rejected'
  /** A live-applicable change of the VM itself (labels, annotations, runStrategy). */
  | 'vm-update'
  | 'nad-create' | 'nad-update' | 'nad-delete'
  | 'subnet-create' | 'subnet-update' | 'subnet-delete'
  | 'secret-create' | 'secret-update'
  /** Multus is missing and `onMissingMultus: pod-network-only`: the NIC is left out. */
  | 'skipped';

/** What a plan entry is about: a NIC of the VM, or an object (the VM itself or one it owns). */
export type PlanSubject = 'nic' | 'VirtualMachine' | 'NetworkAttachmentDefinition' | 'Subnet' | 'Secret';

/** One step of a plan: what is done to one NIC or object, and why. */
export interface PlanEntry {
  readonly subject: PlanSubject;
  /** NIC name, or the object's name (`namespace/name` for namespaced objects). */
  readonly name: string;
  readonly action: PlanAction;
  /** Why, in words a network engineer can act on. */
  readonly reason: string;
  /** Will `apply` carry it out (with the options the plan was made for)? */
  readonly applies: boolean;
  readonly warnings: string[];
  /** For a NIC that stays or arrives: how the guest gets its address, and when. */
  readonly addressing?: NicAddressing;
  /** For a VirtualMachine entry: the machine fields it writes (`memory`, `disk/data`; see machine-diff.ts). */
  readonly fields?: readonly string[];
}

/** The plan of a change to a VM: its entries in the order they are applied, and what they add up to. */
export interface Plan {
  readonly entries: PlanEntry[];
  /** The KubeVirt behaviour the plan assumes. */
  readonly kubevirtVersion: KubeVirtVersion;
  readonly kubevirtVersionSource: 'cluster' | 'given' | 'default';
  /** Is a VMI running (or unknown, treated as running)? */
  readonly running: boolean;
  /** Some entry needs a restart: pending without opt-in, or applied with it and waiting for the restart. */
  readonly restartRequired: boolean;
  /** Some entry is rejected: nothing is applied. */
  readonly rejected: boolean;
  readonly warnings: string[];
  /** The VMI's uid and the interfaces it started with, to record (see STARTED_INTERFACES_KEY). */
  readonly vmiStart?: { readonly uid: string; readonly interfaces: number };
}

/** CLI exit codes: 0 everything live-applicable, 3 a restart would be needed, 2 rejected (or invalid). */
export function planExitCode(plan: Plan): 0 | 2 | 3 {
  if (plan.rejected) return 2;
  return plan.restartRequired ? 3 : 0;
}
