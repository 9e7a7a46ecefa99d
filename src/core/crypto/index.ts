// The crypto layer's door: the provider interface and the software provider.
export * from './provider.js';
export { createSoftwareProvider, softwareProvider, hashLength } from './software.js';
export type { SoftwareProviderOptions } from './software.js';
