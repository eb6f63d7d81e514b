const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;
const SQRT2PI = Math.sqrt(2 * Math.PI);
const SQRT3 = Math.sqrt(3);
const MIN_LOG = -708;

/**
 * Pelz–Good (1976) approximation to P(Dₙ ≤ x): the Li-Chien/Korolyuk expansion
 * K₀ + K₁/√n + K₂/n + K₃/n^1.5, each Kᵢ rewritten through Jacobi theta identities so that it
 * converges for small z = x√n. Port of scipy `_ksstats._kolmogn_PelzGood`.
 */
export function kolmogorovCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const qlog = -PI_SQUARED / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);

  const k1a = -z2;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * z2)) / 16;
  const k3d = (PI_SIX * (5 - 30 * z2)) / 64;
  const k3c = (PI_FOUR * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI_SQUARED * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;

  // 1. Horner over odd m = 2k − 1 of Σ c_k q^(m²): terms K₀…K₃ share the powers of q.
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2;
    const m4 = m ** 4;
    const m6 = m ** 6;
    const qpower = Math.pow(q, 8 * k);
    K[0] = K[0]! * qpower + 1;
    K[1] = K[1]! * qpower + (k1a + k1b * m2);
    K[2] = K[2]! * qpower + (k2a + k2b * m2 + k2c * m4);
    K[3] = K[3]! * qpower + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / divisors[i]!;

  // 2. The remaining sums over all integers k for K₂ and K₃.
  q = Math.exp(-PI_SQUARED / 2 / z2);
  let k2sum = 0;
  let k3sum = 0;
  const sqrt3z = SQRT3 * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qk = Math.pow(q, k2);
    const kspi = Math.PI * k;
    k2sum += k2 * qk;
    k3sum += (sqrt3z + kspi) * (sqrt3z - kspi) * k2 * qk;
  }
  K[2] = K[2]! + (k2sum * PI_SQUARED * SQRT2PI) / (-36 * z3);
  K[3] = K[3]! + (k3sum * PI_SQUARED * SQRT2PI) / (216 * z6);

  // 3. Scale Kᵢ by n^(−i/2) and add.
  let total = 0;
  for (let i = 0; i < 4; i++) total += K[i]! / Math.pow(n, i / 2);
  return total;
}
