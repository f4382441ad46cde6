import { createHash } from 'crypto';
import { DEFAULT_NAMESPACE } from '../spec/types';

/** DNS-1123 label: what Multus accepts for NAD names and namespaces (multi-net-spec §3.3). */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_LABEL_MAX = 63;
/** KubeVirt interface/network names (pkg/network/admitter/netiface.go). */
export const KUBEVIRT_IFACE_NAME = /^[A-Za-z0-9-_]+$/;
/** Linux IFNAMSIZ − 1. */
export const LINUX_IFNAME_MAX = 15;

/** Why `name` is not a DNS-1123 label, or undefined when it is one. */
export function dns1123LabelProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > DNS1123_LABEL_MAX) return `is ${name.length} characters long; the limit is ${DNS1123_LABEL_MAX}`;
  if (!DNS1123_LABEL.test(name)) {
    return 'is not a DNS-1123 label; use lower-case letters, digits and \'-\', starting and ending with a letter or digit';
  }
  return undefined;
}

/** Why `name` is not a usable Linux interface name, or undefined (CNI pkg/utils ValidateInterfaceName). */
export function linuxIfnameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > LINUX_IFNAME_MAX) return `is ${name.length} characters long; Linux interface names hold at most ${LINUX_IFNAME_MAX}`;
  if (name === '.' || name === '..' || /[/:\s]/.test(name)) return 'is not a valid Linux interface name (no \'/\', \':\' or spaces)';
  return undefined;
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `name` is not a DNS-1123 subdomain (the name of most Kubernetes objects: PVCs, StorageClasses), or undefined. */
export function dns1123SubdomainProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 253) return `is ${name.length} characters long; the limit is 253`;
  if (!DNS1123_SUBDOMAIN.test(name)) return 'is not a DNS-1123 subdomain; use lower-case letters, digits, \'-\' and \'.\'';
  return undefined;
}

/** Why `key` is not a Kubernetes label/annotation key (`[prefix/]name`), or undefined. */
export function metadataKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return 'has a prefix that is not a DNS subdomain';
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return 'is not a valid key: the name part needs 1-63 letters, digits, \'-\', \'_\' or \'.\', starting and ending alphanumeric';
  }
  return undefined;
}

/** Why `value` is not a Kubernetes label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) return 'is not a valid label value: up to 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending alphanumeric';
  return undefined;
}

/** The seed rule for a NAD the VM creates: `{vm}-{net}-nad`. */
export function defaultNadName(vmName: string, nicName: string): string {
  return `${vmName}-${nicName}-nad`;
}

/** NAD name for a MultiNic network: `{set}-{net}-nad`. */
export function sharedNadName(setName: string, networkName: string): string {
  return `${setName}-${networkName}-nad`;
}

/** Splits a Multus network reference (`name` or `namespace/name`). */
export function parseNadRef(ref: string, defaultNamespace: string): { namespace: string; name: string } {
  const slash = ref.indexOf('/');
  return slash < 0 ? { namespace: defaultNamespace, name: ref } : { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

/** The Multus network reference a VM in `fromNamespace` uses for a NAD: `name`, or `namespace/name` from elsewhere. */
export function formatNadRef(nad: { readonly namespace: string; readonly name: string }, fromNamespace: string): string {
  return nad.namespace === fromNamespace ? nad.name : `${nad.namespace}/${nad.name}`;
}

/** `namespace/name` of a VM: how plans, files and messages name it. */
export function vmKey(vm: { readonly name: string; readonly namespace?: string }): string {
  return `${vm.namespace ?? DEFAULT_NAMESPACE}/${vm.name}`;
}

/** Kube-OVN provider of an OVN attachment: exactly `<nad>.<namespace>.ovn` (kube-ovn pkg/controller/pod.go). */
export function kubeOvnProvider(nadName: string, namespace: string): string {
  return `${nadName}.${namespace}.ovn`;
}

/**
 * Name KubeVirt gives the pod-side interface of a secondary network: `pod` + the first 11 hex digits of
 * sha256(network name) (kubevirt pkg/network/namescheme/networknamescheme.go).
 */
export function podInterfaceName(networkName: string): string {
  return `pod${createHash('sha256').update(networkName).digest('hex').slice(0, 11)}`;
}

/** Name of the Secret carrying the VM's cloud-init data. */
export function cloudInitSecretName(vmName: string): string {
  return `${vmName}-cloudinit`;
}

/** Name of the Secret holding Wukong's record of what it applied to the VM (see spec/last-applied.ts). */
export function recordSecretName(vmName: string): string {
  return `${vmName}-wukong-applied`;
}
