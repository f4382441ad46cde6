/** Planning day-2 changes: what exists (live objects, KubeVirt versions), the planner, the VM patch, NIC status, RBAC. */
export { planVm, withoutMultus } from './planner';
export type { LiveObjects, PlanInput } from './planner';
export { planExitCode } from './plan-types';
export type { Plan, PlanAction, PlanEntry, PlanSubject } from './plan-types';
export { hasCondition, isListed, isPlugged, parseLiveVm, parseLiveVmi } from './live';
export type { LiveNic, LiveVm, LiveVmi, LiveVmiInterface } from './live';
export { vmPatch } from './vm-patch';
export type { JsonPatchOp, PatchInput } from './vm-patch';
export { nicStatuses } from './nic-status';
export type { NicState, NicStatus } from './nic-status';
export { formatKubeVirtVersion, parseKubeVirtVersion } from './kubevirt-version';
export type { KubeVirtVersion } from './kubevirt-version';
export type { PortBudgetInput } from './hotplug-budget';
export { planSynthesized, readSynthesized } from './synthesized';
export type { SynthesizedOutput, SynthesizedPlan, SynthesizedVm } from './synthesized';
export { permissionsForDelete, permissionsForPlan, renderRbac } from './rbac';
export type { PermissionSpec, RbacManifestOptions, RbacOptions, RbacRule, RbacSubject } from './rbac';
