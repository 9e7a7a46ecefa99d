// The crypto layer's door: the provider interface and the software provider.
export * from './provider.js';
export { createSoftwareProvider, softwareProvider, hashLength } from './software.js';
export type { SoftwareProviderOptions } from './software.js';
export { answerKeyShare, type KeyShareAnswer } from './key-agreement.js';
export { checkEncapsulationKey, classicalHalf, hybridShareLengths, isHybridGroup, type HybridGroup } from './hybrid-kem.js';
