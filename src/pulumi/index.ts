// First: fails with the packages to install when the optional Pulumi peers are missing.
import './require-pulumi';
export * from './wukong-vm-resource';
export * from './wukong-vm';
export { wukongVmProvider, PROVIDER_IMPL_MODULE } from './vm-provider';
export type { VmInputs, VmOutputs } from './vm-provider-impl';
