// Traffic allocation for A/B experiments: pure, seeded, no I/O, safe to call on the trading
// engine's hot path. One concept per file under ./allocation/:
//
//   murmur3.ts        MurmurHash3 x86 32-bit over UTF-8, allocation-free, resumable from a prefix
//   unit-bucket.ts    the cross-language contract: bucket = murmur3(`${salt}:${unitId}`) % 10000
//   bucket-ranges.ts  GrowthBook-style variant ranges; raising coverage never moves a unit
//   validation.ts     config checks that throw StatsInputError naming the field
//   layers.ts         mutual exclusion: disjoint slices of a layer's buckets per experiment
//   assigner.ts       compileAssigner(config).assign(unitId): hash + table lookup, zero allocation
//   random.ts         per-request weighted draws from an injected Rng
//   epsilon-greedy.ts best arm with 1 − ε, the other arms share ε evenly
//   weight-floor.ts   minimum weight per arm, the rest rescaled
//   thompson.ts       batch top-two Thompson weights (Beta–Bernoulli, Gaussian), 1% floor, ≥ 100 units per arm
//
// Adaptive strategies do not sample per request on the hot path: a periodic job turns observations
// into weights (thompsonWeights, EpsilonGreedy.weights) and compiles a new assigner from them, so
// every served decision is a deterministic function of (config, unitId) and can be replayed.

export * from './allocation/types';
export * from './allocation/murmur3';
export * from './allocation/unit-bucket';
export * from './allocation/bucket-ranges';
export * from './allocation/validation';
export * from './allocation/layers';
export * from './allocation/assigner';
export * from './allocation/random';
export * from './allocation/epsilon-greedy';
export * from './allocation/weight-floor';
export * from './allocation/thompson';
