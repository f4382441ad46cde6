export * from './model';
export * from './cdk8s';
export * from './kube';
