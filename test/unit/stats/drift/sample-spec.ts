// Regenerates the samples that test/fixtures/stats-drift/generate.py describes by spec instead of
// storing them, bit for bit: splitmix32 draws and integer arithmetic only (see the generator's
// docstring for the formulas). Keep the two files in step.

/** A sample stored inline, or described by a seeded integer formula. */
export type SampleSpec =
  | number[]
  | {
      seed: number;
      n: number;
      kind: 'uniform' | 'normal' | 'skew' | 'heavy' | 'const';
      a: number;
      b: number;
      shift: number;
      bits?: number;
    };

const GOLDEN = 0x9e3779b9;

/** Draw j (0-based) of stream `seed`: mix32(seed + (j + 1)·φ mod 2^32). */
function draw(seed: number, j: number): number {
  // (j + 1)·φ exceeds 2^53 for large j, so reduce the product mod 2^32 with Math.imul.
  let z = (seed + Math.imul(j + 1, GOLDEN)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** The doubles a spec stands for. */
export function realize(spec: SampleSpec): Float64Array {
  if (Array.isArray(spec)) return Float64Array.from(spec);
  const { seed, n, kind, a, b, shift } = spec;
  const scale = 2 ** shift;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let k: number;
    switch (kind) {
      case 'uniform':
        k = draw(seed, i) / 2 ** (32 - spec.bits!);
        k = Math.floor(k);
        break;
      case 'normal': {
        k = -24570;
        for (let j = 0; j < 12; j++) k += draw(seed, 12 * i + j) >>> 20;
        break;
      }
      case 'skew':
        k = (draw(seed, 2 * i) >>> 16) * (draw(seed, 2 * i + 1) >>> 16);
        break;
      case 'heavy': {
        const magnitude = Math.floor(2 ** 24 / (1 + (draw(seed, 2 * i) >>> 12)));
        k = draw(seed, 2 * i + 1) & 1 ? magnitude : -magnitude;
        break;
      }
      case 'const':
        k = 0;
        break;
    }
    out[i] = (a + b * k) / scale;
  }
  return out;
}
