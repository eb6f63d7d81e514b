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

/**
 * Fits quantile bin edges per column (at most `maxBins` bins; columns with few distinct values get
 * one bin per value). Values are rounded to float32 first, as the ONNX runtime will see them.
 *
 * ### Examples
 * ```ts
 * fitBinning(toFeatureMatrix([[1], [2], [3], [4]]), 2).edges[0]; // Float64Array [2]
 * ```
 */
export function fitBinning(x: FeatureMatrix, maxBins: number): Binning {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 256) {
    throw new MlInputError('maxBins', `must be an integer in [2, 256], got ${maxBins}`);
  }
  const { rows: n, cols } = x;
  if (n === 0) throw new MlInputError('x', 'needs at least one row to fit bins');
  // Transpose once (row-major reads are sequential), then sort each column in place.
  const columns = new Float64Array(n * cols);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < cols; j++) columns[j * n + i] = Math.fround(x.data[i * cols + j]!);
  const edges: Float64Array[] = [];
  for (let j = 0; j < cols; j++) {
    const column = columns.subarray(j * n, (j + 1) * n).sort();
    const distinct: number[] = [column[0]!];
    for (let i = 1; i < n; i++) if (column[i] !== column[i - 1]) distinct.push(column[i]!);
    let featureEdges: number[];
    if (distinct.length <= maxBins) {
      featureEdges = distinct.slice(0, -1);
    } else {
      featureEdges = [];
      for (let q = 1; q < maxBins; q++) {
        const v = column[Math.floor((q * n) / maxBins) - 1]!;
        if (featureEdges.length === 0 || v > featureEdges[featureEdges.length - 1]!) featureEdges.push(v);
      }
      // An edge at the maximum would leave the last bin empty; drop it.
      if (featureEdges.length > 0 && featureEdges[featureEdges.length - 1] === distinct[distinct.length - 1])
        featureEdges.pop();
    }
    edges.push(Float64Array.from(featureEdges));
  }
  return { edges };
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
 *
 * ### Examples
 * ```ts
 * binMatrix(binning, x)[0]; // bin of row 0, feature 0
 * ```
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
