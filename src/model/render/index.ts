/** Rendering a resolved VM: the VirtualMachine, its NADs, Subnets and cloud-init Secret, and GitOps tombstones. */
export { MANAGED_BY, MANAGED_BY_LABEL, MULTINIC_LABEL, VM_NAMESPACE_LABEL, VM_NAME_LABEL, ownedLabels } from './vm-spec';
export type {
  CloudInitSource, KvCloudInitNoCloud, KvDataVolumeTemplate, KvDisk, KvInterface, KvNetwork, KvVirtualMachine, KvVirtualMachineSpec, KvVolume,
  ObjectMeta,
} from './vm-spec';
export { renderNad, renderSubnet } from './manifests';
export type { NadInput, NadManifest, SecretManifest, SubnetManifest } from './manifests';
export { secretData } from './manifests';
export type { NetworkDataV2 } from './cloud-init';
export { renderResolvedVm, renderVm } from './render';
export type { RenderedVm } from './render';
export { GITOPS_TOOLS, argoCdIgnoreDifferences, gitOpsAnnotations, tombstonesOf, withTombstones, withoutGitOpsAnnotations } from './gitops';
export type { GitOpsRole, GitOpsTool, Tombstone, TombstoneResult } from './gitops';
