/** Network facts and naming: IP arithmetic, MACs, NAD and interface names, CNI configs, Kube-OVN, guest addressing. */
export type { Cidr, Ip, IpFamily } from './ip';
export { deriveMac } from './mac';
export { cloudInitSecretName, dns1123LabelProblem, recordSecretName, formatNadRef, kubeOvnProvider, parseNadRef, sharedNadName, vmKey } from './names';
export { bridgeCniConfig, kubeOvnCniConfig, macvlanCniConfig, macvtapCniConfig, ovsCniConfig, sriovCniConfig } from './cni-config';
export type { BridgeCniOptions, CommonCniOptions, KubeOvnCniOptions, MacvlanCniOptions, MacvtapCniOptions, OvsCniOptions, SriovCniOptions } from './cni-config';
export { resolveSubnet } from './kube-ovn';
export { DEFAULT_USER_DATA, HOTPLUG_USER_DATA } from './addressing';
export type { AddressSource, AddressTiming, NicAddressing } from './addressing';
