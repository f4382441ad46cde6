// The model and the cdk8s constructs. The cluster client is `wukong-iac/kube` and Pulumi is `wukong-iac/pulumi`, so
// a cdk8s app loads neither the Kubernetes client nor the Pulumi SDK.
export * from './model';
export * from './cdk8s';
