/**
 * The Kubernetes resources Wukong reads and writes, in one table: the client builds its request paths from it, the
 * RBAC roles and the permission preflight their rules. A resource Wukong starts to touch is added here once.
 */

export interface ResourceType {
  readonly kind: string;
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** The resource name in URLs and RBAC rules. */
  readonly plural: string;
  /** Objects live in a namespace. */
  readonly namespaced: boolean;
  /**
   * Wukong lists it across all namespaces, so its rules belong in the ClusterRole although the objects are namespaced
   * (the KubeVirt CR lives in whatever namespace KubeVirt was installed to).
   */
  readonly listedClusterWide?: boolean;
}

/** The resource table: every kind Wukong reads or writes, with its API group, version, plural and scope. */
export const RESOURCES = {
  // https://github.com/kubevirt/kubevirt/blob/v1.8.4/staging/src/kubevirt.io/api/core/v1/register.go
  VirtualMachine: { kind: 'VirtualMachine', group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines', namespaced: true },
  VirtualMachineInstance: { kind: 'VirtualMachineInstance', group: 'kubevirt.io', version: 'v1', plural: 'virtualmachineinstances', namespaced: true },
  KubeVirt: { kind: 'KubeVirt', group: 'kubevirt.io', version: 'v1', plural: 'kubevirts', namespaced: true, listedClusterWide: true },
  // https://github.com/k8snetworkplumbingwg/multi-net-spec (v1.3, §3.2.1)
  NetworkAttachmentDefinition: { kind: 'NetworkAttachmentDefinition', group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions', namespaced: true },
  // https://github.com/kubeovn/kube-ovn/blob/master/pkg/apis/kubeovn/v1/register.go
  Subnet: { kind: 'Subnet', group: 'kubeovn.io', version: 'v1', plural: 'subnets', namespaced: false },
  Secret: { kind: 'Secret', group: '', version: 'v1', plural: 'secrets', namespaced: true },
} as const satisfies Record<string, ResourceType>;

/** The kind of a resource in the table (`VirtualMachine`, `Secret`, ...). */
export type ResourceKind = keyof typeof RESOURCES;

/** `group/version`, or `version` for the core group. */
export function apiVersionOf(r: ResourceType): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The table's entry for `kind`; a kind outside the table is a programming error. */
export function resourceOf(kind: string): ResourceType {
  const r = (RESOURCES as Record<string, ResourceType>)[kind];
  if (!r) throw new Error(`Wukong does not manage ${kind} objects (not in RESOURCES)`);
  return r;
}
