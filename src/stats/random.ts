import { StatsInputError } from './errors';

/** A seeded source of randomness; every stochastic function in the project takes one. */
export interface Rng {
  /** Uniform on [0, 1). */
  next(): number;
  /** Standard normal. */
  normal(): number;
  /** Gamma(shape, 1). */
  gamma(shape: number): number;
  /** Beta(a, b). */
  beta(a: number, b: number): number;
}

/**
 * A small, fast, seedable generator (sfc32 seeded through splitmix32) with normal, gamma and beta
 * samplers. Same seed, same stream, on every platform: allocation and simulations depend on that.
 *
 * ### Examples
 * ```ts
 * const rng = createRng(42);
 * rng.next(); // always the same first value for seed 42
 * ```
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new StatsInputError('seed', `must be a finite number, got ${seed}`);
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();

  let spare: number | undefined;
  const normal = (): number => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    // Marsaglia polar method: two independent normals per accepted pair.
    for (;;) {
      const u = 2 * next() - 1;
      const v = 2 * next() - 1;
      const q = u * u + v * v;
      if (q > 0 && q < 1) {
        const f = Math.sqrt((-2 * Math.log(q)) / q);
        spare = v * f;
        return u * f;
      }
    }
  };
  const gamma = (shape: number): number => {
    if (!(shape > 0) || !Number.isFinite(shape)) {
      throw new StatsInputError('shape', `must be a positive finite number, got ${shape}`);
    }
    // Marsaglia–Tsang; shapes below 1 are boosted and corrected with U^(1/shape).
    if (shape < 1) return gamma(shape + 1) * Math.pow(1 - next(), 1 / shape);
    const d3 = shape - 1 / 3;
    const c3 = 1 / Math.sqrt(9 * d3);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c3 * x;
      } while (v <= 0);
      v = v * v * v;
      const u = next();
      if (u < 1 - 0.0331 * x * x * x * x) return d3 * v;
      if (Math.log(u) < 0.5 * x * x + d3 * (1 - v + Math.log(v))) return d3 * v;
    }
  };
  const beta = (alpha: number, betaParam: number): number => {
    const x = gamma(alpha);
    const y = gamma(betaParam);
    return x / (x + y);
  };
  return { next, normal, gamma, beta };
}
