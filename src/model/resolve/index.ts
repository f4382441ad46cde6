/** Validation and defaults: a spec resolved once into a ResolvedVm, the single input of rendering and planning. */
export type { Binding, NadOwner, ResolvedIp, ResolvedNad, ResolvedNic, ResolvedRoute, ResolvedSubnet, ResolvedVm } from './resolved';
export { resolveVm } from './resolve';
export type { ResolveResult } from './resolve';
export { nicCniConfig } from './resolve-nic';
export type { NicPlacement, VmContext } from './resolve-nic';
export type { IpContext } from './resolve-ip';
export { Inventory } from './inventory';
export { attachedWukong, readWukong } from './wukong-manifest';
export type { AttachedWukong, WukongReadResult } from './wukong-manifest';
export type { GuestNetworkData, ResolvedBase } from './resolve-base';
export type { ResolvedDisk, ResolvedMachine } from './resolve-machine';
