/** The Wukong spec as written: its types and defaults, its shape for untyped input, issues, the last applied record. */
export { DEFAULT_IMAGE, DEFAULT_NAMESPACE, DEFAULT_POD_NETWORK_NAME, IP_DELIVERIES, IP_MODES, LINK_STATES, NETWORK_TYPES, NIC_PRESENCES, RUN_STRATEGIES, WUKONG_API_VERSION, WUKONG_KIND } from './types';
export type { IpConfig, IpDelivery, IpMode, LinkState, NetworkConfig, NetworkDataDelivery, NetworkType, NicPresence, OnMissingMultus, PodNetworkConfig, RouteConfig, RunStrategy, SubnetConfig, WukongManifest, WukongMetadata, WukongSpec } from './types';
export type { Shape } from './shape';
export type {
  AccessMode, AffinityConfig, DataVolumeConfig, DataVolumeSourceConfig, DiskBus, DiskConfig, EvictionStrategy, InstancetypeKind, InstancetypeRef,
  LabelSelector, MachineConfig, NodeSelectorTerm, PersistentVolumeClaimConfig, PodAffinityConfig, PodAffinityTerm, PreferenceKind, PreferenceRef,
  PullMethod, ResourcesConfig, SelectorOperator, SelectorRequirement, TaintEffect, TolerationConfig, TolerationOperator, VolumeMode,
} from './machine';
export { IssueCollector, MANIFEST_PATHS, WukongValidationError, formatIssue, show, throwIfErrors, withFieldPaths } from './issues';
export type { FieldPaths, Issue } from './issues';
export {
  APPLIED_ANNOTATION, LAST_APPLIED_ANNOTATION, RECORD_ANNOTATIONS, RECORD_SECRET_TYPE, STARTED_INTERFACES_ANNOTATION, STARTED_INTERFACES_KEY,
  decodeLastApplied, encodeLastApplied, isUserDataDigest, readAppliedRecord, recordChanges, recordDigest, userDataDigest,
} from './last-applied';
export type { AppliedRecord, LastApplied } from './last-applied';
export { stableStringify } from './stable-json';
