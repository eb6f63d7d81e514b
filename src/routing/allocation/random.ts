import type { Rng } from '../../stats/random';
import { validateVariants, validateWeights } from './validation';

// Per-request weighted draws: no stickiness (the same unit can get different arms), so this suits
// request-level randomisation only (e.g. per-order routing where orders are the unit). The
// generator is injected so simulations and tests replay exactly; the original Gal-Friday called the
// process-global random.random(), which no test could pin.

/**
 * A validated weighted random picker over a fixed variant list.
 *
 * ### Examples
 * ```ts
 * import { createRng } from '../../stats/random';
 * const picker = compileRandomPicker({ variants: ['a', 'b'], weights: [0.7, 0.3] });
 * picker.pick(createRng(1)); // 'a' or 'b'; the same for the same generator state
 * ```
 */
export interface RandomPicker<K extends string = string> {
  readonly variants: readonly K[];
  readonly weights: readonly number[];
  /** One weighted draw, consuming exactly one `rng.next()`. */
  pick(rng: Rng): K;
}

/**
 * Validates variants and weights and compiles a picker that draws a variant with probability equal
 * to its weight; zero-weight variants are never drawn.
 *
 * ### Examples
 * ```ts
 * import { createRng } from '../../stats/random';
 * const picker = compileRandomPicker({ variants: ['control', 'treatment'], weights: [0.9, 0.1] });
 * const rng = createRng(7);
 * picker.pick(rng); // 'control' about 90% of the time over many draws
 * compileRandomPicker({ variants: ['a'], weights: [-1] });
 * // throws StatsInputError 'weights[0]: must be a finite number >= 0, got -1'
 * ```
 */
export function compileRandomPicker<K extends string>(config: {
  readonly variants: readonly K[];
  readonly weights: readonly number[];
}): RandomPicker<K> {
  validateVariants(config.variants);
  validateWeights(config.weights, config.variants.length);
  const variants = Object.freeze([...config.variants]);
  const weights = Object.freeze([...config.weights]);
  const thresholds = new Float64Array(weights.length);
  let cumulative = 0;
  let lastPositive = 0;
  weights.forEach((w, i) => {
    cumulative += w;
    thresholds[i] = cumulative;
    if (w > 0) lastPositive = i;
  });
  // The weights may sum to 1 − 1e-9: a draw above the last threshold belongs to the last arm that
  // can be drawn, never to a zero-weight one.
  thresholds[lastPositive] = Infinity;
  const pick = (rng: Rng): K => {
    const u = rng.next();
    let i = 0;
    while (u >= thresholds[i]! || weights[i] === 0) i++;
    return variants[i]!;
  };
  return Object.freeze({ variants, weights, pick });
}
