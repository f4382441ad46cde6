export * from './cni-plugin';
export * from './nad';
export * from './kube-ovn-subnet';
export * from './route';
export * from './multi-nic';
export * from './wukong-nic';
export * from './wukong-vm';
export * from './wukong-rbac';
export { FINISH_CONTEXT, GITOPS_CONTEXT, PREVIOUS_CONTEXT } from './gitops-context';
