export * from './errors.js';
export * from './quality.js';
export * from './descriptor.js';
export * from './matcher.js';
export * from './face-selection.js';
export * from './evaluation.js';
