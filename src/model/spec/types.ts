/**
 * The Wukong spec: the operator's `WukongSpec` (API `vm.novasphere.dev/v1alpha1`, kind `Wukong`) plus what a VM needs
 * to boot. Field names follow the seeds and the upstream projects (`networkName`, `cidrBlock`, `provider`).
 */
import { MachineConfig } from './machine';

/** API version of the `Wukong` object. */
export const WUKONG_API_VERSION = 'vm.novasphere.dev/v1alpha1';
/** Kind of the `Wukong` object. */
export const WUKONG_KIND = 'Wukong';

/** CNI flavours a NIC can be attached through. */
export type NetworkType = 'bridge' | 'macvlan' | 'sriov' | 'ovs' | 'kube-ovn';
/** Every `NetworkType`, in the order the schema lists them. */
export const NETWORK_TYPES: readonly NetworkType[] = ['bridge', 'macvlan', 'sriov', 'ovs', 'kube-ovn'];

/** How the guest gets its address on a NIC. */
export type IpMode = 'dhcp' | 'static' | 'none';
/** Every `IpMode`, in the order the schema lists them. */
export const IP_MODES: readonly IpMode[] = ['dhcp', 'static', 'none'];

/**
 * Where a static address is delivered.
 * - `both`: every address in the network data (read at boot) and the first IPv4 address also as static IPAM in the
 *   NIC's own NAD, which KubeVirt's bridge-binding DHCP hands to the guest the moment a hot-plugged NIC appears
 *   (https://kubevirt.io/user-guide/network/interfaces_and_networks/#bridge). The default for a bridge or ovs NIC
 *   with an IPv4 address and a NAD of its own.
 * - `network-data`: cloud-init network-config v2 matched by the pinned MAC only (the default for everything else;
 *   works for every type, but a hot-plugged NIC gets its address only at the next boot).
 * - `cni-ipam`: the seed operator's way: only the static IPAM in the NIC's own NAD; the network data asks for DHCP
 *   (IPv4 only, one address, bridge/ovs NADs this VM creates).
 */
export type IpDelivery = 'both' | 'network-data' | 'cni-ipam';
/** Every `IpDelivery`, in the order the schema lists them. */
export const IP_DELIVERIES: readonly IpDelivery[] = ['both', 'network-data', 'cni-ipam'];

/**
 * Whether a NIC is on the VM. `absent` is KubeVirt's declarative hot-unplug: the interface stays in the VM template with
 * `state: absent` until KubeVirt has detached it and removed the entries itself
 * (https://kubevirt.io/user-guide/network/hotplug/interfaces/#removing-an-interface-from-a-running-vm).
 */
export type NicPresence = 'present' | 'absent';
/** Every `NicPresence`, in the order the schema lists them. */
export const NIC_PRESENCES: readonly NicPresence[] = ['present', 'absent'];

/** Link state of a guest NIC (KubeVirt `interfaces[].state` `up`/`down`, v1.5+). */
export type LinkState = 'up' | 'down';
/** Every `LinkState`, in the order the schema lists them. */
export const LINK_STATES: readonly LinkState[] = ['up', 'down'];

/** What to do when the cluster has no Multus (no NetworkAttachmentDefinition CRD); seed 003 §2.1/§5.1. */
export type OnMissingMultus = 'fail' | 'pod-network-only';
export const ON_MISSING_MULTUS: readonly OnMissingMultus[] = ['fail', 'pod-network-only'];

/** How the cloud-init network data reaches the VM. */
export type NetworkDataDelivery = 'secret' | 'inline';
export const NETWORK_DATA_DELIVERIES: readonly NetworkDataDelivery[] = ['secret', 'inline'];

/** KubeVirt run strategies (`spec.runStrategy`). */
export type RunStrategy = 'Always' | 'RerunOnFailure' | 'Manual' | 'Halted' | 'Once' | 'WaitAsReceiver';
/** Every `RunStrategy`, in the order the schema lists them. */
export const RUN_STRATEGIES: readonly RunStrategy[] = ['Always', 'RerunOnFailure', 'Manual', 'Halted', 'Once', 'WaitAsReceiver'];

/** Guest IP configuration of one NIC. */
export interface IpConfig {
  /** @default - `static` when an address is given, else `dhcp` */
  readonly mode?: IpMode;
  /** One address in CIDR form (`10.0.1.100/24`, `2001:db8::10/64`). */
  readonly address?: string;
  /** Several addresses in CIDR form, IPv4 and IPv6 mixed. */
  readonly addresses?: string[];
  /** Gateway (IPv4 or IPv6); installs the default route when this NIC is the primary one. */
  readonly gateway?: string;
  /** IPv6 gateway for a dual-stack NIC whose `gateway` is IPv4. */
  readonly gateway6?: string;
  /** DNS servers for this NIC. */
  readonly dnsServers?: string[];
  /** DNS search domains for this NIC. */
  readonly searchDomains?: string[];
  /** @default - `both` for a static bridge or ovs NIC with an IPv4 address and its own NAD, else `network-data` */
  readonly delivery?: IpDelivery;
}

/** A static route on one NIC. */
export interface RouteConfig {
  /** Destination network in CIDR form. */
  readonly destination: string;
  /** Next hop; must be reachable through the NIC's own subnet. Required (the seed's `RouteConfig.Gateway`). */
  readonly gateway?: string;
  /** Route metric. @default - the NIC's metric (100 × its rank by `priority`) */
  readonly metric?: number;
}

/** A Kube-OVN Subnet for a kube-ovn NIC (https://kubeovn.github.io/docs/stable/en/advance/multi-nic/). */
export interface SubnetConfig {
  /** Subnet name (cluster-scoped). @default - the NAD name */
  readonly name?: string;
  /** One CIDR, or a dual-stack pair `v4cidr,v6cidr`. */
  readonly cidrBlock: string;
  /** @default - the first address of each CIDR */
  readonly gateway?: string;
  /** Addresses Kube-OVN never hands out: single IPs or `a..b` ranges. The gateway is always added. */
  readonly excludeIps?: string[];
  /** @default - `<nad>.<namespace>.ovn` (anything else is an error) */
  readonly provider?: string;
  /** Name of a Kube-OVN `Vlan` object for an underlay subnet. */
  readonly vlan?: string;
  /** @default 'ovn-cluster' */
  readonly vpc?: string;
  readonly mtu?: number;
  readonly natOutgoing?: boolean;
  readonly private?: boolean;
}

/** One NIC of the VM (seed `NetworkConfig`). */
export interface NetworkConfig {
  /** NIC name: the KubeVirt interface/network name and the guest interface name (`set-name`). */
  readonly name: string;
  /** @default 'bridge' */
  readonly type?: NetworkType;
  /** Reuse this existing NAD (`name` or `namespace/name`) and create none. @default - `{vm}-{name}-nad` is created */
  readonly nadName?: string;
  /** VLAN tag 1..4094. @default - untagged */
  readonly vlanId?: number;
  /** Linux or OVS bridge on the node. @default - `br-<name>` */
  readonly bridgeName?: string;
  /** Lower device of a macvlan NIC (macvtap binding). @default 'eth0' */
  readonly master?: string;
  /** Device-plugin resource (`k8s.v1.cni.cncf.io/resourceName`); required for sriov. */
  readonly resourceName?: string;
  readonly ipConfig?: IpConfig;
  /** The NIC that carries the default route. @default - the first NIC */
  readonly primary?: boolean;
  /** Lower is preferred: orders NICs in the network data and sets their route metrics. */
  readonly priority?: number;
  /** MTU 68..65535 (≥1280 with IPv6). */
  readonly mtu?: number;
  readonly routes?: RouteConfig[];
  /** Pinned MAC. @default - derived from namespace/vm/nic (locally administered unicast) */
  readonly macAddress?: string;
  /** Kube-OVN subnet of a kube-ovn NIC. */
  readonly subnet?: SubnetConfig;
  /** @default '0.3.1' */
  readonly cniVersion?: string;
  /**
   * Name of the MultiNic that owns the NAD named by `nadName` (set by `MultiNic`); the NAD is shared, so this VM never
   * creates or deletes it, but its type fields are still checked.
   */
  readonly sharedBy?: string;
  /**
   * `absent` unplugs the NIC: KubeVirt detaches it from a running guest and then drops its interface and network, while
   * its MAC and NAD stay until the NIC leaves the spec; the guest's network data no longer lists it. Bridge binding only
   * (bridge, ovs, kube-ovn), never the primary NIC: KubeVirt's admission rejects it elsewhere
   * (https://github.com/kubevirt/kubevirt/blob/v1.8.4/pkg/network/admitter/admit.go).
   * @default 'present'
   */
  readonly state?: NicPresence;
  /**
   * `down` keeps the device in the guest with its link cut; a running VM follows the change live from KubeVirt 1.6
   * (https://kubevirt.io/user-guide/network/interfaces_and_networks/#interface-link-state). Not for SR-IOV NICs.
   * @default 'up'
   */
  readonly linkState?: LinkState;
}

/** The pod network (`default`, masquerade binding) every seed VM gets. */
export interface PodNetworkConfig {
  /** @default true */
  readonly enabled?: boolean;
  /** @default 'default' */
  readonly name?: string;
  /** Carry the default route through the pod network instead of a secondary NIC. @default false */
  readonly primary?: boolean;
  /** 0..1,000,000, lower is preferred, as for `networks[].priority`. @default - ranked after the secondary NICs */
  readonly priority?: number;
  readonly macAddress?: string;
  readonly routes?: RouteConfig[];
}

/** The body of a `Wukong` object. */
export interface WukongSpec extends MachineConfig {
  /** Virtual CPU cores. @default 1, none with an `instancetype` (it sets them) */
  readonly cpu?: number;
  /** Guest memory (Kubernetes quantity). @default '1Gi', none with an `instancetype` (it sets it) */
  readonly memory?: string;
  /** Container disk image, the first disk. @default DEFAULT_IMAGE, none when `disks` are given */
  readonly image?: string;
  /** @default 'Always' */
  readonly runStrategy?: RunStrategy;
  /**
   * cloud-init user data. Include `updates: {network: {when: [boot]}}` for day-2 network changes to reach the guest.
   * @default DEFAULT_USER_DATA
   */
  readonly userData?: string;
  readonly networks?: NetworkConfig[];
  readonly podNetwork?: PodNetworkConfig;
  /** @default 'secret' */
  readonly networkDataDelivery?: NetworkDataDelivery;
  /** @default 'fail' */
  readonly onMissingMultus?: OnMissingMultus;
  /**
   * The `spec` of a VirtualMachine defined elsewhere, to attach `networks` to: its machine, disks, user data and
   * interfaces stay as they are, and Wukong adds its NICs, their NADs and their network data (added by MAC to the VM's
   * inline network data, or written to Wukong's Secret). The machine fields above and `podNetwork` are then the VM's
   * own and set there.
   * @default - none: Wukong makes the whole VM
   * @see https://kubevirt.io/api-reference/main/definitions.html#_v1_virtualmachinespec
   */
  readonly virtualMachine?: Record<string, unknown>;
}

/** Metadata of a `Wukong` object: the name, namespace, labels and annotations the VM gets. */
export interface WukongMetadata {
  readonly name: string;
  /** @default 'default' */
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** A whole `Wukong` object as written in YAML. */
export interface WukongManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: WukongMetadata;
  readonly spec: WukongSpec;
}

/** Container disk used when `image` is not set: a pinned Fedora cloud image with cloud-init. */
export const DEFAULT_IMAGE = 'quay.io/containerdisks/fedora:41';
export const DEFAULT_MEMORY = '1Gi';
export const DEFAULT_CPU = 1;
export const DEFAULT_CNI_VERSION = '0.3.1';
export const DEFAULT_POD_NETWORK_NAME = 'default';
/** Where an object without a namespace goes, as in Kubernetes. */
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_MACVLAN_MASTER = 'eth0';
