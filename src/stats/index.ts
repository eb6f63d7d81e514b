// The statistics core: pure functions, no I/O. Other modules import from here only.
export * from './errors';
export * from './random';
export * from './distributions';
export * from './drift';
export * from './experiment';
export * from './trading';
