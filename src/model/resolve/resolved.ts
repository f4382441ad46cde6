import type { ResolvedBase } from './resolve-base';
import { ResolvedMachine } from './resolve-machine';
import { Cidr, Ip } from '../net/ip';
import type { Tombstone } from '../render/gitops';
import { IpDelivery, IpMode, LinkState, NetworkDataDelivery, NetworkType, NicPresence, OnMissingMultus, RunStrategy } from '../spec/types';

/** How KubeVirt connects a NIC to its pod-side interface. */
export type Binding = 'masquerade' | 'bridge' | 'sriov' | 'macvtap';

/** Who owns a NAD: this VM (created and deleted with it), a MultiNic (shared), or nobody here (reused by name). */
export type NadOwner = 'vm' | 'shared' | 'external';

export interface ResolvedNad {
  readonly name: string;
  readonly namespace: string;
  readonly owner: NadOwner;
  /** CNI config; present when this project renders the NAD (owner `vm` or `shared`). */
  readonly config?: Record<string, unknown>;
  /** `k8s.v1.cni.cncf.io/resourceName` annotation. */
  readonly resourceName?: string;
}

export interface ResolvedSubnet {
  readonly name: string;
  /** Kube-OVN Subnet spec in the normalized form the controller would write back. */
  readonly spec: {
    readonly protocol: 'IPv4' | 'IPv6' | 'Dual';
    readonly cidrBlock: string;
    readonly gateway: string;
    readonly excludeIps: string[];
    readonly provider: string;
    readonly vpc?: string;
    readonly gatewayType?: string;
    readonly enableLb?: boolean;
    readonly vlan?: string;
    readonly mtu?: number;
    readonly natOutgoing?: boolean;
    readonly private?: boolean;
  };
  readonly cidrs: Cidr[];
}

export interface ResolvedRoute {
  readonly destination: Cidr;
  readonly gateway?: Ip;
  readonly metric: number;
}

export interface ResolvedIp {
  readonly mode: IpMode;
  readonly delivery: IpDelivery;
  readonly addresses: Cidr[];
  readonly gateway4?: Ip;
  readonly gateway6?: Ip;
  readonly dnsServers: string[];
  readonly searchDomains: string[];
}

export interface ResolvedNic {
  /** Index in `networks[]`; -1 for the pod network. */
  readonly index: number;
  /** Field path of the NIC (`networks[1]`, `podNetwork`). */
  readonly path: string;
  /** KubeVirt interface and network name, and the guest interface name. */
  readonly name: string;
  /** `pod` for the pod network. */
  readonly type: NetworkType | 'pod';
  readonly binding: Binding;
  readonly mac: string;
  readonly macSource: 'given' | 'derived';
  readonly nad?: ResolvedNad;
  /** Kube-OVN attachment: provider and (when rendered here) its Subnet. */
  readonly kubeOvn?: { readonly provider: string; readonly subnet?: ResolvedSubnet };
  readonly primary: boolean;
  /** Position by `priority` (then declaration order); 0 is preferred. */
  readonly rank: number;
  /** Route metric of this NIC: 100 × (rank + 1). */
  readonly metric: number;
  readonly mtu?: number;
  readonly ip: ResolvedIp;
  readonly routes: ResolvedRoute[];
  /** `absent`: being unplugged; kept in the template and its NAD kept, left out of the network data. */
  readonly state: NicPresence;
  readonly linkState: LinkState;
}

/** A validated VM with every default applied: the single input of all renderers and the planner. */
export interface ResolvedVm {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** Undefined with an instance type, which sets the CPU. */
  readonly cpu?: number;
  /** Canonical guest memory; undefined with an instance type, which sets it. */
  readonly memory?: string;
  /** The container disk's image; undefined when the VM boots from its `disks`. */
  readonly image?: string;
  readonly machine: ResolvedMachine;
  readonly runStrategy: RunStrategy;
  readonly userData: string;
  readonly networkDataDelivery: NetworkDataDelivery;
  readonly onMissingMultus: OnMissingMultus;
  /** Pod network first (when enabled), then `networks[]` in declaration order. */
  readonly nics: ResolvedNic[];
  /** The VM defined elsewhere that the NICs are attached to (`spec.virtualMachine`). @default - none */
  readonly base?: ResolvedBase;
  /** NICs of the previous synthesized output that left the code, kept unplugged (see gitops.ts). @default - none */
  readonly tombstones?: Tombstone[];
}
