/**
 * CNI configurations for NetworkAttachmentDefinitions, one builder per plugin. Keys and limits follow the plugins'
 * own sources (see docs/cni-configs in the README): bridge and ovs from containernetworking/plugins and ovs-cni,
 * sriov from sriov-cni, macvtap from kubevirt/macvtap-cni, kube-ovn from kube-ovn pkg/netconf.
 */
import { definedOnly } from '../spec/stable-json';
import { DEFAULT_CNI_VERSION } from '../spec/types';

/** Default socket of the kube-ovn CNI server (Kube-OVN multi-NIC docs). */
export const KUBE_OVN_SERVER_SOCKET = '/run/openvswitch/kube-ovn-daemon.sock';
/** Annotation naming the device-plugin resource a NAD needs (SR-IOV pool, macvtap lower device, ...). */
export const RESOURCE_NAME_ANNOTATION = 'k8s.v1.cni.cncf.io/resourceName';
/** cniVersions every plugin here accepts; macvtap-cni stops at 0.4.0. */
export const CNI_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
export const MACVTAP_CNI_VERSIONS = ['0.3.0', '0.3.1', '0.4.0'];

/**
 * What every plugin's CNI configuration has: the network name and the CNI spec version.
 * @see https://www.cni.dev/docs/spec/
 */
export interface CommonCniOptions {
  /** CNI network name. @default - the NAD name */
  readonly name: string;
  /** @default '0.3.1' */
  readonly cniVersion?: string;
}

/** Linux bridge plugin (https://www.cni.dev/plugins/current/main/bridge/). */
export interface BridgeCniOptions extends CommonCniOptions {
  readonly bridge: string;
  readonly vlan?: number;
  readonly mtu?: number;
  /** @default - `{}`: no IPAM, the guest configures itself */
  readonly ipam?: Record<string, unknown>;
  readonly macspoofchk?: boolean;
  readonly disableContainerInterface?: boolean;
}

/** OVS plugin (https://github.com/k8snetworkplumbingwg/ovs-cni/blob/main/docs/cni-plugin.md). */
export interface OvsCniOptions extends CommonCniOptions {
  readonly bridge: string;
  /** Access-port tag. @default - trunk port carrying every VLAN */
  readonly vlan?: number;
  readonly mtu?: number;
  readonly ipam?: Record<string, unknown>;
}

/** SR-IOV plugin (https://github.com/k8snetworkplumbingwg/sriov-cni/blob/master/docs/configuration-reference.md). */
export interface SriovCniOptions extends CommonCniOptions {
  readonly vlan?: number;
  readonly vlanQoS?: number;
  readonly spoofchk?: 'on' | 'off';
  readonly trust?: 'on' | 'off';
}

/** macvtap plugin used with KubeVirt's macvtap binding (https://github.com/kubevirt/macvtap-cni). */
export interface MacvtapCniOptions extends CommonCniOptions {
  readonly mtu?: number;
  readonly promiscMode?: boolean;
}

/** macvlan plugin, for pods only: it does not work with KubeVirt's bridge binding. */
export interface MacvlanCniOptions extends CommonCniOptions {
  readonly master?: string;
  readonly mode?: 'bridge' | 'private' | 'vepa' | 'passthru';
  readonly mtu?: number;
  readonly ipam?: Record<string, unknown>;
}

/** kube-ovn plugin for an OVN attachment (https://kubeovn.github.io/docs/stable/en/advance/multi-nic/). */
export interface KubeOvnCniOptions extends CommonCniOptions {
  /** Must be `<nad>.<namespace>.ovn`. */
  readonly provider: string;
  /** @default KUBE_OVN_SERVER_SOCKET */
  readonly serverSocket?: string;
}

function base(type: string, options: CommonCniOptions): Record<string, unknown> {
  return { cniVersion: options.cniVersion ?? DEFAULT_CNI_VERSION, name: options.name, type };
}

/** The CNI configuration of a Linux bridge NAD; without `ipam`, an empty one (the guest configures itself). */
export function bridgeCniConfig(o: BridgeCniOptions): Record<string, unknown> {
  return definedOnly({
    ...base('bridge', o),
    bridge: o.bridge,
    vlan: o.vlan,
    mtu: o.mtu,
    macspoofchk: o.macspoofchk,
    disableContainerInterface: o.disableContainerInterface,
    ipam: o.ipam ?? {},
  });
}

/** The CNI configuration of an OVS (ovs-cni) NAD. */
export function ovsCniConfig(o: OvsCniOptions): Record<string, unknown> {
  return definedOnly({ ...base('ovs', o), bridge: o.bridge, vlan: o.vlan, mtu: o.mtu, ipam: o.ipam });
}

/** The CNI configuration of an SR-IOV (sriov-cni) NAD. */
export function sriovCniConfig(o: SriovCniOptions): Record<string, unknown> {
  return definedOnly({ ...base('sriov', o), vlan: o.vlan, vlanQoS: o.vlanQoS, spoofchk: o.spoofchk, trust: o.trust });
}

/** The CNI configuration of a macvtap (macvtap-cni) NAD, for KubeVirt's macvtap binding. */
export function macvtapCniConfig(o: MacvtapCniOptions): Record<string, unknown> {
  return definedOnly({ ...base('macvtap', o), mtu: o.mtu, promiscMode: o.promiscMode });
}

/** The CNI configuration of a macvlan NAD; without `ipam`, an empty one. */
export function macvlanCniConfig(o: MacvlanCniOptions): Record<string, unknown> {
  return definedOnly({ ...base('macvlan', o), master: o.master, mode: o.mode, mtu: o.mtu, ipam: o.ipam ?? {} });
}

/** The CNI configuration of a Kube-OVN attachment NAD; `serverSocket` defaults to `KUBE_OVN_SERVER_SOCKET`. */
export function kubeOvnCniConfig(o: KubeOvnCniOptions): Record<string, unknown> {
  return definedOnly({ ...base('kube-ovn', o), server_socket: o.serverSocket ?? KUBE_OVN_SERVER_SOCKET, provider: o.provider });
}

/** Static IPAM holding one address and its routes (the seed operator's way of fixing an IP in a NAD). */
export function staticIpam(address: string, routes: Array<{ dst: string; gw: string }>): Record<string, unknown> {
  return routes.length ? { type: 'static', addresses: [{ address }], routes } : { type: 'static', addresses: [{ address }] };
}

/** Device-plugin resource of a macvtap lower device (macvtap-cni device plugin). */
export function macvtapResourceName(lowerDevice: string): string {
  return `macvtap.network.kubevirt.io/${lowerDevice}`;
}
