// The pure model, by concern; each folder's index names what callers outside the model use. Inside the model, files
// import each other directly.
export * from './spec';
export * from './net';
export * from './resolve';
export * from './render';
export * from './plan';
