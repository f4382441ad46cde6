// The public API: the cdk8s constructs, every type of the model, and the model's functions a user calls. The cluster
// client is `wukong-iac/kube` and Pulumi is `wukong-iac/pulumi`, so a cdk8s app loads neither the Kubernetes client nor
// the Pulumi SDK.
export * from './cdk8s';
export type * from './model';
export {
  // Describing a VM and checking it.
  WUKONG_API_VERSION, WUKONG_KIND, DEFAULT_IMAGE, DEFAULT_USER_DATA, HOTPLUG_USER_DATA, NETWORK_TYPES, IP_MODES, IP_DELIVERIES, NIC_PRESENCES,
  LINK_STATES, RUN_STRATEGIES, readWukong, resolveVm, renderVm, deriveMac, WukongValidationError, formatIssue,
  // Planning a change, offline or from two synthesized outputs.
  planVm, planExitCode, readSynthesized, planSynthesized, nicStatuses,
  // GitOps and RBAC.
  GITOPS_TOOLS, argoCdIgnoreDifferences, renderRbac,
} from './model';
