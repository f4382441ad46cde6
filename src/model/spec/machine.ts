/**
 * What a production VM needs besides its NICs: persistent disks, instance types and preferences, and where and how it
 * runs. Field names are KubeVirt's and Kubernetes' own (kubevirt.io/v1 `VirtualMachineSpec`, CDI
 * `cdi.kubevirt.io/v1beta1` `DataVolumeSpec`, core/v1 `Affinity` and `Toleration`), so a manifest reads the same.
 */

/** Disk buses KubeVirt offers (`disks[].disk.bus`). */
export type DiskBus = 'virtio' | 'sata' | 'scsi' | 'usb';
export const DISK_BUSES: readonly DiskBus[] = ['virtio', 'sata', 'scsi', 'usb'];

/** Access modes of a PersistentVolumeClaim. */
export type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';
export const ACCESS_MODES: readonly AccessMode[] = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

/** Volume modes of a PersistentVolumeClaim: a filesystem, or a raw block device. */
export type VolumeMode = 'Filesystem' | 'Block';
export const VOLUME_MODES: readonly VolumeMode[] = ['Filesystem', 'Block'];

/** How CDI pulls a registry image: by an importer pod, or by the node's container runtime. */
export type PullMethod = 'pod' | 'node';
export const PULL_METHODS: readonly PullMethod[] = ['pod', 'node'];

/**
 * Where a DataVolume's content comes from: exactly one of these
 * (https://github.com/kubevirt/containerized-data-importer/blob/main/doc/datavolumes.md).
 */
export interface DataVolumeSourceConfig {
  /** A container image holding a disk image: `url` is `docker://...` or `oci-archive://...`. */
  readonly registry?: { readonly url: string; readonly pullMethod?: PullMethod };
  /** A disk image (qcow2, raw, compressed) served over HTTP(S). */
  readonly http?: { readonly url: string };
  /** A clone of an existing PVC. @default namespace - the VM's */
  readonly pvc?: { readonly name: string; readonly namespace?: string };
  /** A restore of a VolumeSnapshot. @default namespace - the VM's */
  readonly snapshot?: { readonly name: string; readonly namespace?: string };
}

/**
 * A CDI DataVolume KubeVirt creates with the VM (`spec.dataVolumeTemplates`), named `<vm>-<disk>`; it outlives no VM
 * (KubeVirt owns it) and is imported before the VM first starts.
 * @see https://kubevirt.io/user-guide/storage/disks_and_volumes/#datavolume
 */
export interface DataVolumeConfig {
  readonly source: DataVolumeSourceConfig;
  /** Requested size, a Kubernetes quantity (`30Gi`). */
  readonly size: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** @default - CDI's choice from the StorageProfile */
  readonly accessModes?: AccessMode[];
  /** @default - CDI's choice from the StorageProfile */
  readonly volumeMode?: VolumeMode;
}

/** A PersistentVolumeClaim that already exists in the VM's namespace. */
export interface PersistentVolumeClaimConfig {
  readonly claimName: string;
  /** @default false */
  readonly readOnly?: boolean;
}

/**
 * A disk of the VM: a DataVolume made with it or an existing PVC. The first disk boots first unless `bootOrder` says
 * otherwise; with `disks` and no `image`, the VM has no container disk.
 */
export interface DiskConfig {
  /** Disk and volume name, a DNS-1123 label unique among the VM's disks. */
  readonly name: string;
  /** @default 'virtio' */
  readonly bus?: DiskBus;
  /** 1 boots first. @default - the order of `disks`, after the container disk */
  readonly bootOrder?: number;
  /** Exactly one of `dataVolume` and `persistentVolumeClaim`. */
  readonly dataVolume?: DataVolumeConfig;
  readonly persistentVolumeClaim?: PersistentVolumeClaimConfig;
}

/** Kinds of a KubeVirt instance type: cluster-wide or namespaced. */
export type InstancetypeKind = 'VirtualMachineClusterInstancetype' | 'VirtualMachineInstancetype';
export const INSTANCETYPE_KINDS: readonly InstancetypeKind[] = ['VirtualMachineClusterInstancetype', 'VirtualMachineInstancetype'];
/** Kinds of a KubeVirt preference: cluster-wide or namespaced. */
export type PreferenceKind = 'VirtualMachineClusterPreference' | 'VirtualMachinePreference';
export const PREFERENCE_KINDS: readonly PreferenceKind[] = ['VirtualMachineClusterPreference', 'VirtualMachinePreference'];

/**
 * An instance type (`instancetype.kubevirt.io/v1beta1`): it sets the CPU and memory, so the VM may not set `cpu`,
 * `memory` or their `resources` itself (KubeVirt's admission rejects the conflict).
 * @see https://kubevirt.io/user-guide/user_workloads/instancetypes/
 */
export interface InstancetypeRef {
  readonly name: string;
  /** @default 'VirtualMachineClusterInstancetype' */
  readonly kind?: InstancetypeKind;
}

/** A preference (`instancetype.kubevirt.io/v1beta1`): defaults the VM's own fields leave open. */
export interface PreferenceRef {
  readonly name: string;
  /** @default 'VirtualMachineClusterPreference' */
  readonly kind?: PreferenceKind;
}

/** Compute resources of the virt-launcher pod (`domain.resources`), Kubernetes quantities by resource name. */
export interface ResourcesConfig {
  readonly requests?: Record<string, string>;
  readonly limits?: Record<string, string>;
}

/** How a toleration matches a taint's value: `Equal` compares it, `Exists` matches any value. */
export type TolerationOperator = 'Exists' | 'Equal';
export const TOLERATION_OPERATORS: readonly TolerationOperator[] = ['Exists', 'Equal'];
/** Effects of a Kubernetes node taint on pods that do not tolerate it. */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
export const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** A core/v1 Toleration (https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/). */
export interface TolerationConfig {
  /** @default - every key (only with operator `Exists`) */
  readonly key?: string;
  /** @default 'Equal' */
  readonly operator?: TolerationOperator;
  /** Empty with `Exists`. */
  readonly value?: string;
  /** @default - every effect */
  readonly effect?: TaintEffect;
  /** How long the VM stays after a `NoExecute` taint appears. */
  readonly tolerationSeconds?: number;
}

/** Operators of a selector requirement; `Gt` and `Lt` are for node selectors only. */
export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
export const NODE_SELECTOR_OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
export const LABEL_SELECTOR_OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** A selector requirement (`matchExpressions[]`). */
export interface SelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values?: string[];
}

/** A core/v1 NodeSelectorTerm: requirements on a node's labels and fields, all of which must hold. */
export interface NodeSelectorTerm {
  readonly matchExpressions?: SelectorRequirement[];
  readonly matchFields?: SelectorRequirement[];
}

/**
 * A Kubernetes label selector: labels that must match exactly and expressions that must hold, all of them.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: SelectorRequirement[];
}

/** A core/v1 PodAffinityTerm: the pods (by label selector and namespace) to run near or away from, per `topologyKey` domain. */
export interface PodAffinityTerm {
  readonly labelSelector?: LabelSelector;
  readonly namespaces?: string[];
  readonly topologyKey: string;
}

/** A core/v1 PodAffinity or PodAntiAffinity: terms the scheduler must satisfy, and weighted terms it prefers. */
export interface PodAffinityConfig {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[];
  readonly preferredDuringSchedulingIgnoredDuringExecution?: Array<{ readonly weight: number; readonly podAffinityTerm: PodAffinityTerm }>;
}

/** A core/v1 Affinity (https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/). */
export interface AffinityConfig {
  readonly nodeAffinity?: {
    readonly requiredDuringSchedulingIgnoredDuringExecution?: { readonly nodeSelectorTerms: NodeSelectorTerm[] };
    readonly preferredDuringSchedulingIgnoredDuringExecution?: Array<{ readonly weight: number; readonly preference: NodeSelectorTerm }>;
  };
  readonly podAffinity?: PodAffinityConfig;
  readonly podAntiAffinity?: PodAffinityConfig;
}

/** What happens to the VM when its node is drained (KubeVirt `evictionStrategy`). */
export type EvictionStrategy = 'None' | 'LiveMigrate' | 'LiveMigrateIfPossible' | 'External';
export const EVICTION_STRATEGIES: readonly EvictionStrategy[] = ['None', 'LiveMigrate', 'LiveMigrateIfPossible', 'External'];

/** The machine fields of a `WukongSpec`. */
export interface MachineConfig {
  /** Persistent disks, after the container disk when `image` is set. @default - none */
  readonly disks?: DiskConfig[];
  /** @default - none: `cpu` and `memory` size the VM */
  readonly instancetype?: InstancetypeRef;
  /** @default - none */
  readonly preference?: PreferenceRef;
  /** @default - none: KubeVirt derives the pod's requests from `memory` */
  readonly resources?: ResourcesConfig;
  /** Node labels the VM must run on. @default - any node */
  readonly nodeSelector?: Record<string, string>;
  /** @default - none */
  readonly affinity?: AffinityConfig;
  /** @default - none */
  readonly tolerations?: TolerationConfig[];
  /** @default - the cluster's (KubeVirt CR `evictionStrategy`) */
  readonly evictionStrategy?: EvictionStrategy;
  /** @default - KubeVirt's 180 s */
  readonly terminationGracePeriodSeconds?: number;
}
