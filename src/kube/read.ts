/** Reading what the cluster has for a VM, and planning against it. */
import {
  AppliedRecord, LiveVm, LiveVmi, MANAGED_BY, MANAGED_BY_LABEL, NicStatus, Plan, PlanInput, RenderedVm, ResolvedVm, VM_NAME_LABEL, VM_NAMESPACE_LABEL,
  cloudInitSecretName, hasCondition, nicStatuses, parseLiveVm, parseLiveVmi, planVm, readAppliedRecord, renderResolvedVm, resolveVm, secretData,
} from '../model';
import { ClusterClient, recordSecretRef, ref, vmRef, vmiRef } from './client';

/** Label selector of the objects Wukong made for one VM. */
export function ownedSelector(namespace: string, vmName: string, clusterScoped = false): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY},${VM_NAME_LABEL}=${vmName}${clusterScoped ? `,${VM_NAMESPACE_LABEL}=${namespace}` : ''}`;
}

/** NADs in `namespace` that the VM owns; none without Multus. */
export async function ownedNads(client: ClusterClient, namespace: string, vmName: string): Promise<any[]> {
  return (await client.list('NetworkAttachmentDefinition', { namespace, labelSelector: ownedSelector(namespace, vmName) })) ?? [];
}

/** Kube-OVN Subnets the VM owns (cluster-scoped, labelled with its name and namespace); none without Kube-OVN. */
export async function ownedSubnets(client: ClusterClient, namespace: string, vmName: string): Promise<any[]> {
  return (await client.list('Subnet', { labelSelector: ownedSelector(namespace, vmName, true) })) ?? [];
}

/** The VM and what it owns, as they are in the cluster. */
export interface LiveState {
  readonly vm?: any;
  readonly vmi?: any;
  readonly nads: any[];
  readonly subnets: any[];
  /** The cloud-init Secret. */
  readonly secret?: any;
  /** The record Secret (recordSecretName). */
  readonly recordSecret?: any;
  /** What Wukong recorded for the VM, read from the two above. */
  readonly record: AppliedRecord;
}

const hasKubeOvn = (vm?: ResolvedVm) => (vm?.nics ?? []).some(n => n.type === 'kube-ovn');

/**
 * Reads the VM, its VMI and its record, and (with `withOwned`) the objects it owns. Without a VM nothing else is read:
 * a new VM's objects are created, and one that a run interrupted before the VM left behind is found by its create
 * (409) and updated (createOrUpdate). Subnets are listed only when `desired` or the applied spec has a Kube-OVN NIC:
 * without one, no Subnet of this VM can exist but one such a run left, which `deleteVm` still finds.
 */
export async function readLive(client: ClusterClient, namespace: string, name: string, withOwned: boolean, desired?: ResolvedVm): Promise<LiveState> {
  const vm = await client.get(vmRef(namespace, name));
  if (!vm) return { nads: [], subnets: [], record: readAppliedRecord({}, undefined) };
  const [vmi, recordSecret, nads, secret] = await Promise.all([
    client.get(vmiRef(namespace, name)),
    client.get(recordSecretRef(namespace, name)),
    withOwned ? ownedNads(client, namespace, name) : [],
    withOwned ? client.get(ref('Secret', cloudInitSecretName(name), namespace)) : undefined,
  ]);
  const record = readAppliedRecord(vm?.metadata?.annotations ?? {}, recordSecret ? secretData(recordSecret) : undefined);
  const live = { vm, vmi, nads, secret, recordSecret, record };
  if (!withOwned || !(hasKubeOvn(desired) || hasKubeOvn(appliedSpec(record)))) return { ...live, subnets: [] };
  return { ...live, subnets: await ownedSubnets(client, namespace, name) };
}

/** The spec of a record, resolved; undefined when it has none or it no longer validates. */
export function appliedSpec(record: AppliedRecord): ResolvedVm | undefined {
  return record.applied ? resolveVm(record.applied.metadata, record.applied.spec).vm : undefined;
}

/** A VM as it is now: parsed, with its VMI and the state of each NIC. */
export interface LiveStatus {
  /** The VirtualMachine as the server returned it. */
  readonly raw: any;
  readonly vm: LiveVm;
  readonly vmi?: LiveVmi;
  readonly nics: NicStatus[];
  /** KubeVirt's RestartRequired condition is set. */
  readonly restartRequired: boolean;
}

/** The status of a VM from its objects as read; undefined without a VM. */
export function statusOf(rawVm: any, rawVmi: any): LiveStatus | undefined {
  const vm = parseLiveVm(rawVm);
  if (!vm) return undefined;
  const vmi = parseLiveVmi(rawVmi);
  return { raw: rawVm, vm, vmi, nics: nicStatuses(vm, vmi), restartRequired: hasCondition(vm.conditions, 'RestartRequired') };
}

/** What `wukong status` and the end of a waiting apply show; undefined when the VM does not exist. */
export async function liveStatus(client: ClusterClient, namespace: string, name: string): Promise<LiveStatus | undefined> {
  const [vm, vmi] = await Promise.all([client.get(vmRef(namespace, name)), client.get(vmiRef(namespace, name))]);
  return statusOf(vm, vmi);
}

/** How to plan against the cluster: everything of `PlanInput` but what `planLive` reads. */
export type LivePlanOptions = Omit<PlanInput, 'desired' | 'applied' | 'live' | 'startedInterfaces'>;

/** Reads what the cluster has for `desired` and plans against it: `wukong plan --live` and each attempt of `applyVm`. */
export async function planLive(
  client: ClusterClient, desired: ResolvedVm, opts: LivePlanOptions,
): Promise<{ readonly plan: Plan; readonly live: LiveState; readonly applied?: RenderedVm }> {
  const live = await readLive(client, desired.namespace, desired.name, opts.manageOwnedObjects ?? true, desired);
  const spec = appliedSpec(live.record);
  // Rendered once, for the plan and the VM patch after it.
  const applied = spec && renderResolvedVm(spec);
  const plan = planVm({
    ...opts,
    desired,
    applied: spec,
    appliedRendered: applied,
    startedInterfaces: live.record.startedInterfaces,
    live: { vm: live.vm ?? null, vmi: live.vmi ?? null, nads: live.nads, subnets: live.subnets, secret: live.secret ?? null },
  });
  return { plan, live, applied };
}
