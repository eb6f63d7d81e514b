import { MlInputError } from '../errors';
import type { FeatureMatrix } from '../features/feature-matrix';

/**
 * Per-feature bin edges: value x falls in bin b = the first index with x ≤ edges[b], or
 * `edges.length` above all edges. Edges are float32-representable data values, so "bin ≤ b" is
 * exactly the ONNX test `x ≤ threshold` on float32 inputs.
 */
export interface Binning {
  edges: Float64Array[];
}

/** A fitted binning with the matrix it was fitted on already binned, in both layouts. */
export interface BinnedTrainingMatrix {
  binning: Binning;
  /** Row-major bins, `binned[i * cols + j]`, as {@link binMatrix} gives them. */
  binned: Uint8Array;
  /** Feature-major bins, `byFeature[j * rows + i]`: one feature's bins of all rows, contiguous. */
  byFeature: Uint8Array;
}

/**
 * The float32 bit pattern of `bits` (read as int32) as a key whose unsigned order, read as
 * uint32 from the int32 bits, is the numeric order of the floats: a negative float has every
 * bit flipped, a positive one its sign bit set. Int32 throughout, which V8 keeps in registers
 * (uint32 values above 2³¹ would become heap doubles).
 */
function sortKey(bits: number): number {
  return bits < 0 ? ~bits : bits ^ 0x80000000;
}

/** The float32 bits (as int32) a {@link sortKey} came from. */
function keyBits(key: number): number {
  return key < 0 ? key ^ 0x80000000 : ~key;
}

/** Radix digits of the sort keys: three passes of 11 bits cover a 32-bit key. */
const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;

/**
 * Sorts the keys of one column (see {@link sortKey}) with their row indices: an LSD radix sort,
 * linear in the rows, where a comparison sort of 80,000 doubles per column was a tenth of a
 * GBDT's training time. Leaves both arrays in ascending key order.
 */
function sortColumn(
  keys: Int32Array,
  order: Uint32Array,
  keysTmp: Int32Array,
  orderTmp: Uint32Array,
  counts: Uint32Array,
): void {
  const n = keys.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    counts[key & (RADIX - 1)]!++;
    counts[RADIX + ((key >>> RADIX_BITS) & (RADIX - 1))]!++;
    counts[2 * RADIX + (key >>> (2 * RADIX_BITS))]!++;
  }
  let src = keys;
  let srcOrder = order;
  let dst = keysTmp;
  let dstOrder = orderTmp;
  for (let pass = 0; pass < 3; pass++) {
    const base = pass * RADIX;
    const shift = pass * RADIX_BITS;
    let at = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[base + d]!;
      counts[base + d] = at;
      at += c;
    }
    for (let i = 0; i < n; i++) {
      const key = src[i]!;
      const slot = counts[base + ((key >>> shift) & (RADIX - 1))]!++;
      dst[slot] = key;
      dstOrder[slot] = srcOrder[i]!;
    }
    [src, dst] = [dst, src];
    [srcOrder, dstOrder] = [dstOrder, srcOrder];
  }
  // Three passes leave the result in the scratch arrays; hand it back in place.
  keys.set(src);
  order.set(srcOrder);
}

/**
 * Fits quantile bin edges per column (at most `maxBins` bins; columns with few distinct values get
 * one bin per value) and bins the same matrix. Values are rounded to float32 first, as the ONNX
 * runtime will see them. Each column is sorted once with its row indices: the edges are order
 * statistics of the sorted column, and walking it in order gives every row its bin (the first
 * edge ≥ its value, exactly {@link binOf}) without a search per value.
 *
 * ### Examples
 * ```ts
 * import { toFeatureMatrix } from '../features/feature-matrix';
 * binTrainingMatrix(toFeatureMatrix([[1], [2], [3], [4]]), 2).binned; // Uint8Array [0, 0, 1, 1]
 * ```
 */
export function binTrainingMatrix(x: FeatureMatrix, maxBins: number): BinnedTrainingMatrix {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 256) {
    throw new MlInputError('maxBins', `must be an integer in [2, 256], got ${maxBins}`);
  }
  const { rows: n, cols } = x;
  if (n === 0) throw new MlInputError('x', 'needs at least one row to fit bins');
  const binned = new Uint8Array(n * cols);
  const byFeature = new Uint8Array(n * cols);
  // Every value's sort key, column-major, from one sequential pass over the row-major input
  // (reading a column straight from it would touch a cache line per value, once per column).
  const cell = new Float32Array(1);
  const cellBits = new Int32Array(cell.buffer);
  const allKeys = new Int32Array(n * cols);
  for (let i = 0; i < n; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      // `+ 0`: −0 and +0 are one value here, as they are to the comparisons of a tree.
      cell[0] = Math.fround(x.data[base + j]!) + 0;
      allKeys[j * n + i] = sortKey(cellBits[0]!);
    }
  }
  const order = new Uint32Array(n);
  const keysTmp = new Int32Array(n);
  const orderTmp = new Uint32Array(n);
  const counts = new Uint32Array(3 * RADIX);
  const column = new Float64Array(n);
  const edges: Float64Array[] = [];
  for (let j = 0; j < cols; j++) {
    const keys = allKeys.subarray(j * n, (j + 1) * n);
    for (let i = 0; i < n; i++) order[i] = i;
    sortColumn(keys, order, keysTmp, orderTmp, counts);
    for (let p = 0; p < n; p++) {
      cellBits[0] = keyBits(keys[p]!);
      column[p] = cell[0]!;
    }
    let distinct = 1;
    for (let p = 1; p < n && distinct <= maxBins; p++) if (column[p] !== column[p - 1]) distinct++;
    const featureEdges: number[] = [];
    if (distinct <= maxBins) {
      for (let p = 1; p < n; p++) if (column[p] !== column[p - 1]) featureEdges.push(column[p - 1]!);
    } else {
      for (let q = 1; q < maxBins; q++) {
        const v = column[Math.floor((q * n) / maxBins) - 1]!;
        if (featureEdges.length === 0 || v > featureEdges[featureEdges.length - 1]!) featureEdges.push(v);
      }
      // An edge at the maximum would leave the last bin empty; drop it.
      if (featureEdges.length > 0 && featureEdges[featureEdges.length - 1] === column[n - 1])
        featureEdges.pop();
    }
    const e = Float64Array.from(featureEdges);
    edges.push(e);
    let b = 0;
    const base = j * n;
    for (let p = 0; p < n; p++) {
      const v = column[p]!;
      while (b < e.length && v > e[b]!) b++;
      byFeature[base + order[p]!] = b;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) binned[i * cols + j] = byFeature[j * n + i]!;
  return { binning: { edges }, binned, byFeature };
}

/**
 * Fits quantile bin edges per column (at most `maxBins` bins; columns with few distinct values get
 * one bin per value). Values are rounded to float32 first, as the ONNX runtime will see them.
 *
 * ### Examples
 * ```ts
 * import { toFeatureMatrix } from '../features/feature-matrix';
 * fitBinning(toFeatureMatrix([[1], [2], [3], [4]]), 2).edges[0]; // Float64Array [2]
 * ```
 */
export function fitBinning(x: FeatureMatrix, maxBins: number): Binning {
  return binTrainingMatrix(x, maxBins).binning;
}

/**
 * Bin of a single value: the first edge ≥ the float32-rounded value (binary search).
 *
 * ### Examples
 * ```ts
 * binOf(Float64Array.from([1, 2, 3]), 2.5); // 2
 * binOf(Float64Array.from([1, 2, 3]), 9); // 3 (above every edge)
 * ```
 */
export function binOf(edges: Float64Array, value: number): number {
  const v = Math.fround(value);
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Bins a matrix, row-major like the input (`out[i * cols + j]`): histogram building walks a
 * node's rows once and updates every feature's histogram from one contiguous slice.
 */
export function binMatrix(binning: Binning, x: FeatureMatrix): Uint8Array {
  const { rows: n, cols } = x;
  if (binning.edges.length !== cols) {
    throw new MlInputError('x', `has ${cols} columns, the binning was fitted on ${binning.edges.length}`);
  }
  const out = new Uint8Array(n * cols);
  for (let j = 0; j < cols; j++) {
    const edges = binning.edges[j]!;
    for (let k = j; k < n * cols; k += cols) out[k] = binOf(edges, x.data[k]!);
  }
  return out;
}
