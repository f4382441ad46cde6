export * from './api-errors';
export * from './cluster';
export * from './apply';
