import { createRng } from '../../../../../src/stats/random';

/**
 * A generated series argument from the golden files: expanded with createRng exactly as
 * generate.py's generated_series does (only +, *, / and floor on the generator's output, so both
 * languages produce identical doubles). Keeps 100,000-value inputs out of the committed JSON.
 */
export interface SeriesSpec {
  seed: number;
  n: number;
  kind: 'uniform' | 'cube' | 'ties' | 'iid' | 'ar1' | 'skew';
  loc?: number;
  scale?: number;
  phi?: number;
}

/** Expands a {@link SeriesSpec}. */
export function generateSeries(spec: SeriesSpec): number[] {
  const rng = createRng(spec.seed);
  const loc = spec.loc ?? 0;
  const scale = spec.scale ?? 1;
  const out: number[] = [];
  let previous = 0;
  for (let i = 0; i < spec.n; i++) {
    if (spec.kind === 'uniform') {
      out.push(rng.next());
    } else if (spec.kind === 'cube') {
      const u = rng.next();
      out.push(u * u * u);
    } else if (spec.kind === 'ties') {
      out.push(loc + scale * Math.floor(rng.next() * 7));
    } else {
      const e = (rng.next() + rng.next() + rng.next() + rng.next() - 2) * 1.7320508075688772;
      if (spec.kind === 'iid') out.push(loc + scale * e);
      else if (spec.kind === 'ar1') {
        previous = i > 0 ? (spec.phi as number) * previous + e : e;
        out.push(loc + scale * previous);
      } else {
        const u = rng.next();
        out.push(loc + scale * (e + u * u * u * u * 6));
      }
    }
  }
  return out;
}

/** Replaces every {rng: SeriesSpec} argument by its expanded array. */
export function expandArgs(args: unknown[]): unknown[] {
  return args.map((arg) =>
    arg !== null && typeof arg === 'object' && !Array.isArray(arg) && 'rng' in arg
      ? generateSeries((arg as { rng: SeriesSpec }).rng)
      : arg,
  );
}
