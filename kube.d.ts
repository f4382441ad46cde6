export * from './lib/src/kube';
