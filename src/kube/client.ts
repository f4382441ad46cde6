/**
 * What the apply engine needs from a cluster, as an interface: `Cluster` implements it over the Kubernetes API; the
 * engine's unit tests implement it in memory. Every resource is named by the kind of the one resource table
 * (model RESOURCES).
 */
import { JsonPatchOp, RESOURCES, ResourceKind, apiVersionOf, recordSecretName } from '../model';

/** Names one Kubernetes object: its apiVersion, kind, name and, for a namespaced kind, namespace. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** A permission to check: verb on resource (of group), in a namespace or cluster-wide. */
export interface Permission {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
}

/** What `ClusterClient.list` lists: where, and optionally which objects (by label selector) and how many. */
export interface ListOptions {
  /** Omitted for a namespaced kind: every namespace. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly limit?: number;
}

/** The cluster operations the apply engine uses; `Cluster` implements them over the Kubernetes API. */
export interface ClusterClient {
  /** The object, or undefined when it does not exist. */
  get(ref: ObjectRef): Promise<any | undefined>;
  /** Creates the object; a 409 when it exists. */
  create(obj: any): Promise<any>;
  /** Applies a JSON patch (RFC 6902) and returns the object; callers guard it with a `test` of `/metadata/resourceVersion`. */
  patch(ref: ObjectRef, ops: JsonPatchOp[]): Promise<any>;
  /** Deletes the object; true when it existed. */
  delete(ref: ObjectRef): Promise<boolean>;
  /** The objects of `kind`, or undefined when the cluster does not serve the kind (its CRD is not installed). */
  list(kind: ResourceKind, options?: ListOptions): Promise<any[] | undefined>;
  /** The permissions of `wanted` the caller lacks. */
  missingPermissions(wanted: Permission[]): Promise<Permission[]>;
}

/** A permission as text for error messages, e.g. `patch virtualmachines.kubevirt.io in namespace prod`. */
export function describePermission(p: Permission): string {
  return `${p.verb} ${p.resource}${p.group ? `.${p.group}` : ''} ${p.namespace ? `in namespace ${p.namespace}` : 'cluster-wide'}`;
}

/** `VirtualMachine prod/web`. */
export function refText(r: { kind: string; name: string; namespace?: string }): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** The reference to an object, read from its apiVersion, kind and metadata. */
export function refOf(obj: any): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
}

/** A reference to an object of a kind of the resource table. */
export function ref(kind: ResourceKind, name: string, namespace?: string): ObjectRef {
  const r = RESOURCES[kind];
  return { apiVersion: apiVersionOf(r), kind, name, ...(r.namespaced ? { namespace } : {}) };
}

/** A reference to the KubeVirt VirtualMachine `name` in `namespace`. */
export function vmRef(namespace: string, name: string): ObjectRef {
  return ref('VirtualMachine', name, namespace);
}

/** A reference to the KubeVirt VirtualMachineInstance `name` in `namespace` (the running instance of the VM of that name). */
export function vmiRef(namespace: string, name: string): ObjectRef {
  return ref('VirtualMachineInstance', name, namespace);
}

/** A reference to the Secret holding Wukong's record of what it applied to the VM `vmName` (see `recordSecretName`). */
export function recordSecretRef(namespace: string, vmName: string): ObjectRef {
  return ref('Secret', recordSecretName(vmName), namespace);
}
