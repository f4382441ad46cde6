/**
 * The KubeVirt VirtualMachine (kubevirt.io/v1) of a resolved VM, as plain JSON: the subset of the API this project
 * writes, typed so that the cdk8s adapter maps it onto the generated classes field by field.
 */
import { kubeOvnAnnotations } from '../net/kube-ovn';
import { formatNadRef, podInterfaceName } from '../net/names';
import type { ResolvedBase } from '../resolve/resolve-base';
import { CLOUD_INIT_DISK, CONTAINER_DISK, ResolvedDisk, ResolvedMachine } from '../resolve/resolve-machine';
import { ResolvedNic, ResolvedVm } from '../resolve/resolved';
import { AffinityConfig, EvictionStrategy, ResourcesConfig, TolerationConfig } from '../spec/machine';
import { WukongMetadata } from '../spec/types';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'wukong';
export const VM_NAME_LABEL = 'vm.novasphere.dev/name';
export const VM_NAMESPACE_LABEL = 'vm.novasphere.dev/namespace';
export const MULTINIC_LABEL = 'vm.novasphere.dev/multinic';

/**
 * A `domain.devices.interfaces[]` entry of the VM template: a guest NIC with its binding (masquerade, bridge, SR-IOV or a
 * binding plugin such as macvtap), its MAC and its state.
 * @see https://kubevirt.io/user-guide/network/interfaces_and_networks/
 */
export interface KvInterface {
  readonly name: string;
  readonly masquerade?: Record<string, never>;
  readonly bridge?: Record<string, never>;
  readonly sriov?: Record<string, never>;
  readonly binding?: { readonly name: string };
  readonly macAddress?: string;
  readonly state?: string;
}

/** A `networks[]` entry of the VM template: the pod network, or the Multus network (NAD) a NIC is attached to. */
export interface KvNetwork {
  readonly name: string;
  readonly pod?: Record<string, never>;
  readonly multus?: { readonly networkName: string; readonly default?: boolean };
}

/** A cloud-init NoCloud volume: user data and network data, inline or in Secrets. */
export interface KvCloudInitNoCloud {
  readonly secretRef?: { readonly name: string };
  readonly networkDataSecretRef?: { readonly name: string };
  readonly userData?: string;
  readonly networkData?: string;
}

/** A `volumes[]` entry of the VM template: a container disk, the cloud-init disk, a DataVolume or a PersistentVolumeClaim. */
export interface KvVolume {
  readonly name: string;
  readonly containerDisk?: { readonly image: string };
  readonly cloudInitNoCloud?: KvCloudInitNoCloud;
  readonly dataVolume?: { readonly name: string };
  readonly persistentVolumeClaim?: { readonly claimName: string; readonly readOnly?: boolean };
}

/** A `domain.devices.disks[]` entry of the VM template: a disk of the guest, its bus and boot order. */
export interface KvDisk {
  readonly name: string;
  readonly disk: { readonly bus: string };
  readonly bootOrder?: number;
}

/** A `spec.dataVolumeTemplates[]` entry (CDI `cdi.kubevirt.io/v1beta1` DataVolumeSpec). */
export interface KvDataVolumeTemplate {
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly source: Record<string, unknown>;
    readonly storage: {
      readonly resources: { readonly requests: { readonly storage: string } };
      readonly storageClassName?: string;
      readonly accessModes?: string[];
      readonly volumeMode?: string;
    };
  };
}

/**
 * The `spec` of a KubeVirt VirtualMachine as Wukong writes it: run strategy, instance type and preference, DataVolume
 * templates and the VM template (machine, disks, NICs, volumes, scheduling).
 * @see https://kubevirt.io/api-reference/main/definitions.html#_v1_virtualmachinespec
 */
export interface KvVirtualMachineSpec {
  readonly runStrategy: string;
  readonly instancetype?: { readonly kind: string; readonly name: string };
  readonly preference?: { readonly kind: string; readonly name: string };
  readonly dataVolumeTemplates?: KvDataVolumeTemplate[];
  readonly template: {
    readonly metadata: { readonly labels: Record<string, string>; readonly annotations?: Record<string, string> };
    readonly spec: {
      readonly domain: {
        readonly cpu?: { readonly cores: number };
        readonly memory?: { readonly guest: string };
        readonly resources?: ResourcesConfig;
        readonly devices: {
          readonly autoattachPodInterface?: boolean;
          readonly disks: KvDisk[];
          readonly interfaces?: KvInterface[];
        };
      };
      readonly networks?: KvNetwork[];
      readonly volumes: KvVolume[];
      readonly nodeSelector?: Record<string, string>;
      readonly affinity?: AffinityConfig;
      readonly tolerations?: TolerationConfig[];
      readonly evictionStrategy?: EvictionStrategy;
      readonly terminationGracePeriodSeconds?: number;
    };
  };
}

/** The metadata of every manifest Wukong writes: the same fields a Wukong object's metadata has. */
export type ObjectMeta = WukongMetadata;

/** A KubeVirt VirtualMachine (`kubevirt.io/v1`) as Wukong renders it. */
export interface KvVirtualMachine {
  readonly apiVersion: 'kubevirt.io/v1';
  readonly kind: 'VirtualMachine';
  readonly metadata: ObjectMeta;
  readonly spec: KvVirtualMachineSpec;
}

/** Labels of objects a VM owns (NADs, Subnets, the cloud-init Secret). */
export function ownedLabels(vm: ResolvedVm): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY, [VM_NAME_LABEL]: vm.name, [VM_NAMESPACE_LABEL]: vm.namespace };
}

/** The `interfaces[]` entry of a NIC, with its pinned MAC. */
export function kvInterface(nic: ResolvedNic): KvInterface {
  // An empty state means link up, so a NIC that is up carries none.
  const state = nic.state === 'absent' ? { state: 'absent' } : nic.linkState === 'down' ? { state: 'down' } : {};
  switch (nic.binding) {
    case 'masquerade': return { name: nic.name, masquerade: {}, macAddress: nic.mac, ...state };
    case 'bridge': return { name: nic.name, bridge: {}, macAddress: nic.mac, ...state };
    case 'sriov': return { name: nic.name, sriov: {}, macAddress: nic.mac, ...state };
    case 'macvtap': return { name: nic.name, binding: { name: 'macvtap' }, macAddress: nic.mac, ...state };
  }
}

/** The `networks[]` entry of a NIC. */
export function kvNetwork(nic: ResolvedNic, vmNamespace: string): KvNetwork {
  if (!nic.nad) return { name: nic.name, pod: {} };
  return { name: nic.name, multus: { networkName: formatNadRef(nic.nad, vmNamespace) } };
}

/** Fixed IP/MAC annotations of every kube-ovn NIC, per-interface keys when a NAD is attached more than once. */
function templateAnnotations(vm: ResolvedVm): Record<string, string> {
  const uses = new Map<string, number>();
  for (const nic of vm.nics) if (nic.kubeOvn) uses.set(nic.kubeOvn.provider, (uses.get(nic.kubeOvn.provider) ?? 0) + 1);
  const out: Record<string, string> = {};
  for (const nic of vm.nics) {
    if (!nic.kubeOvn) continue;
    const ips = nic.ip.mode === 'static' ? nic.ip.addresses.map(a => a.ip.text) : [];
    const ifName = (uses.get(nic.kubeOvn.provider) ?? 0) > 1 ? podInterfaceName(nic.name) : undefined;
    Object.assign(out, kubeOvnAnnotations(nic.kubeOvn.provider, ips, nic.mac, ifName));
  }
  return out;
}

/** Where the VM reads its cloud-init data from. */
export type CloudInitSource = { readonly secretName: string } | { readonly userData: string; readonly networkData: string };

/** The VirtualMachine's own metadata. */
export function vmMetadata(vm: ResolvedVm): KvVirtualMachine['metadata'] {
  return {
    name: vm.name,
    namespace: vm.namespace,
    labels: { ...vm.labels, [MANAGED_BY_LABEL]: MANAGED_BY, [VM_NAME_LABEL]: vm.name },
    ...(Object.keys(vm.annotations).length ? { annotations: { ...vm.annotations } } : {}),
  };
}

function kvDisk(d: ResolvedDisk): KvDisk {
  return { name: d.name, disk: { bus: d.bus }, ...(d.bootOrder !== undefined ? { bootOrder: d.bootOrder } : {}) };
}

function kvVolume(d: ResolvedDisk): KvVolume {
  if (d.dataVolume) return { name: d.name, dataVolume: { name: d.dataVolume.name } };
  return { name: d.name, persistentVolumeClaim: { ...d.persistentVolumeClaim! } };
}

/** The DataVolume template of a disk; `storage` (not `pvc`) lets CDI fill access and volume modes from the StorageProfile. */
function kvDataVolumeTemplate(d: ResolvedDisk): KvDataVolumeTemplate {
  const { source, size, storageClassName, accessModes, volumeMode } = d.dataVolume!.config;
  return {
    metadata: { name: d.dataVolume!.name },
    spec: {
      source: { ...source },
      storage: {
        resources: { requests: { storage: size } },
        ...(storageClassName !== undefined ? { storageClassName } : {}),
        ...(accessModes?.length ? { accessModes: [...accessModes] } : {}),
        ...(volumeMode !== undefined ? { volumeMode } : {}),
      },
    },
  };
}

/** The template fields of the machine that go beside `domain`, each only when set. */
function schedulingFields(m: ResolvedMachine): Partial<KvVirtualMachineSpec['template']['spec']> {
  return {
    ...(m.nodeSelector ? { nodeSelector: { ...m.nodeSelector } } : {}),
    ...(m.affinity ? { affinity: m.affinity } : {}),
    ...(m.tolerations ? { tolerations: m.tolerations } : {}),
    ...(m.evictionStrategy ? { evictionStrategy: m.evictionStrategy } : {}),
    ...(m.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: m.terminationGracePeriodSeconds } : {}),
  };
}

/** The name of a VirtualMachine's cloud-init (NoCloud) volume: Wukong's own, or that of a VM its NICs are attached to. */
export function cloudInitVolumeName(vm: KvVirtualMachine | undefined): string | undefined {
  return vm?.spec?.template?.spec?.volumes?.find(v => v.cloudInitNoCloud)?.name;
}

/** Renders the VirtualMachine of a resolved VM. */
export function renderVirtualMachine(vm: ResolvedVm, cloudInit: CloudInitSource): KvVirtualMachine {
  if (vm.base) return renderAttachedVm(vm, vm.base, cloudInit);
  const annotations = templateAnnotations(vm);
  const hasPodNetwork = vm.nics.some(n => n.type === 'pod');
  const tombstones = vm.tombstones ?? [];
  const interfaces = [...vm.nics.map(kvInterface), ...tombstones.map(t => t.iface)];
  const networks = [...vm.nics.map(n => kvNetwork(n, vm.namespace)), ...tombstones.map(t => t.network)];
  const m = vm.machine;
  const containerDisk: KvVolume[] = vm.image !== undefined ? [{ name: CONTAINER_DISK, containerDisk: { image: vm.image } }] : [];
  const dataVolumes = m.disks.filter(d => d.dataVolume);
  const noCloud: KvCloudInitNoCloud = 'secretName' in cloudInit
    ? { secretRef: { name: cloudInit.secretName }, networkDataSecretRef: { name: cloudInit.secretName } }
    : { userData: cloudInit.userData, networkData: cloudInit.networkData };
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: vmMetadata(vm),
    spec: {
      runStrategy: vm.runStrategy,
      ...(m.instancetype ? { instancetype: { kind: m.instancetype.kind, name: m.instancetype.name } } : {}),
      ...(m.preference ? { preference: { kind: m.preference.kind, name: m.preference.name } } : {}),
      ...(dataVolumes.length ? { dataVolumeTemplates: dataVolumes.map(kvDataVolumeTemplate) } : {}),
      template: {
        metadata: {
          labels: { ...vm.labels, 'kubevirt.io/domain': vm.name, [VM_NAME_LABEL]: vm.name },
          ...(Object.keys(annotations).length ? { annotations } : {}),
        },
        spec: {
          domain: {
            ...(vm.cpu !== undefined ? { cpu: { cores: vm.cpu } } : {}),
            ...(vm.memory !== undefined ? { memory: { guest: vm.memory } } : {}),
            ...(m.resources ? { resources: m.resources } : {}),
            devices: {
              // Without a pod network KubeVirt would attach one by itself.
              ...(hasPodNetwork ? {} : { autoattachPodInterface: false }),
              disks: [...containerDisk.map(v => ({ name: v.name, disk: { bus: 'virtio' } })), ...m.disks.map(kvDisk), { name: CLOUD_INIT_DISK, disk: { bus: 'virtio' } }],
              // No empty lists: KubeVirt's VM mutator re-encodes the spec and drops them (omitempty), so a VM without NICs
              // is stored without the keys (pkg/virt-api/webhooks/mutating-webhook/mutators/vm-mutator.go).
              ...(interfaces.length ? { interfaces } : {}),
            },
          },
          ...(networks.length ? { networks } : {}),
          volumes: [...containerDisk, ...m.disks.map(kvVolume), { name: CLOUD_INIT_DISK, cloudInitNoCloud: noCloud }],
          ...schedulingFields(m),
        },
      },
    },
  };
}

type Json = Record<string, any>;

/** A NoCloud source with its network data taken from `cloudInit`, its user data left as the VM has it. */
function withNetworkData(existing: Json | undefined, cloudInit: CloudInitSource): KvCloudInitNoCloud {
  const { networkData, networkDataBase64, networkDataSecretRef, ...rest } = existing ?? {};
  if ('secretName' in cloudInit) {
    const ref = { name: cloudInit.secretName };
    return existing ? { ...rest, networkDataSecretRef: ref } : { secretRef: ref, networkDataSecretRef: ref };
  }
  return existing ? { ...rest, networkData: cloudInit.networkData } : { userData: cloudInit.userData, networkData: cloudInit.networkData };
}

/**
 * The VM defined elsewhere with Wukong's NICs attached: its spec as given, plus Wukong's interfaces and networks after
 * its own, a MAC on the pod NIC Wukong's network data finds it by, the Kube-OVN annotations, and the network data in
 * its NoCloud volume (one is added when it has none). Nothing else of the VM changes.
 */
function renderAttachedVm(vm: ResolvedVm, base: ResolvedBase, cloudInit: CloudInitSource): KvVirtualMachine {
  const spec = base.spec;
  const template: Json = spec.template ?? {};
  const tspec: Json = template.spec;
  const devices: Json = tspec.domain?.devices ?? {};
  const own = new Set(base.interfaces);
  const mine = vm.nics.filter(n => !own.has(n.name));
  const pinned = new Map(vm.nics.filter(n => own.has(n.name)).map(n => [n.name, n.mac]));
  const tombstones = vm.tombstones ?? [];
  const interfaces = [
    ...(devices.interfaces ?? []).map((i: Json) => (i.macAddress === undefined && pinned.has(i.name) ? { ...i, macAddress: pinned.get(i.name) } : i)),
    ...mine.map(kvInterface), ...tombstones.map(t => t.iface),
  ];
  const networks = [...(tspec.networks ?? []), ...mine.map(n => kvNetwork(n, vm.namespace)), ...tombstones.map(t => t.network)];
  const volumes: Json[] = tspec.volumes ?? [];
  const at = volumes.findIndex(v => v.name === base.cloudInitVolume);
  const cloudInitVolume = {
    name: base.cloudInitVolume ?? CLOUD_INIT_DISK,
    cloudInitNoCloud: withNetworkData(volumes[at]?.cloudInitNoCloud, cloudInit),
  };
  const annotations = { ...template.metadata?.annotations, ...templateAnnotations(vm) };
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: vmMetadata(vm),
    spec: {
      ...spec,
      template: {
        ...template,
        metadata: {
          ...template.metadata,
          labels: { ...template.metadata?.labels, [VM_NAME_LABEL]: vm.name },
          ...(Object.keys(annotations).length ? { annotations } : {}),
        },
        spec: {
          ...tspec,
          domain: {
            ...tspec.domain,
            devices: {
              ...devices,
              disks: at >= 0 ? devices.disks ?? [] : [...devices.disks ?? [], { name: CLOUD_INIT_DISK, disk: { bus: 'virtio' } }],
              ...(interfaces.length ? { interfaces } : {}),
            },
          },
          ...(networks.length ? { networks } : {}),
          volumes: at >= 0 ? volumes.map((v, i) => (i === at ? cloudInitVolume : v)) : [...volumes, cloudInitVolume],
        },
      },
    } as KvVirtualMachineSpec,
  };
}
