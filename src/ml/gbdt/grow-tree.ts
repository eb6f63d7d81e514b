import type { GbdtTree } from './gbdt-model';
import type { Binning } from './histogram-binning';

/** Inputs of {@link growTree}: binned rows, per-row gradient statistics and the tree limits. */
export interface TreeGrowthInput {
  /** Row-major bins (`binned[i * cols + j]`) of every fit row. */
  binned: Uint8Array;
  cols: number;
  binning: Binning;
  /** Loss gradient and hessian per fit row at the current scores. */
  grad: Float64Array;
  hess: Float64Array;
  /** Rows sampled for this tree, ascending; reordered in place as nodes split. */
  rows: Uint32Array;
  /** Features this tree may split on, ascending. */
  features: readonly number[];
  params: {
    maxDepth: number;
    minSamplesLeaf: number;
    minChildWeight: number;
    l2: number;
    learningRate: number;
  };
}

interface PendingNode {
  id: number;
  from: number;
  to: number;
  depth: number;
  hist: Float64Array | undefined;
}

/**
 * Grows one regression tree on gradient histograms (XGBoost-style second-order gain with L2 on
 * leaves, leaf value = −G/(H+λ)·learningRate rounded to float32), breadth-first so node ids
 * are in BFS order. Deterministic: ties keep the first feature and bin.
 *
 * ### Examples
 * ```ts
 * const tree = growTree({ binned, cols, binning, grad, hess, rows, features, params: options });
 * tree.feature[0]; // split feature of the root, or −1 if the root is a leaf
 * ```
 */
export function growTree(input: TreeGrowthInput): GbdtTree {
  const { binned, cols: f, binning, grad, hess, rows, features, params } = input;
  const nBins = binning.edges.map((e) => e.length + 1);
  const maxBins = Math.max(...nBins);
  // Histogram layout: [feature][bin][G, H, count], one Float64Array per node about to be split.
  const histSize = f * maxBins * 3;
  const buildHistogram = (from: number, to: number): Float64Array => {
    const hist = new Float64Array(histSize);
    for (let r = from; r < to; r++) {
      const i = rows[r]!;
      const g = grad[i]!;
      const h = hess[i]!;
      const rowBase = i * f;
      for (const j of features) {
        const o = (j * maxBins + binned[rowBase + j]!) * 3;
        hist[o]! += g;
        hist[o + 1]! += h;
        hist[o + 2]! += 1;
      }
    }
    return hist;
  };

  // Breadth-first growth; each node owns a contiguous slice of `rows` and its histogram. A
  // child's histogram is built directly only for the smaller sibling; the larger one is the
  // parent's minus it, which roughly halves the work below the root.
  const tree: GbdtTree = { feature: [], threshold: [], bin: [], left: [], right: [], value: [] };
  const newNode = (): number => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.bin.push(0);
    tree.left.push(0);
    tree.right.push(0);
    tree.value.push(0);
    return tree.feature.length - 1;
  };
  const queue: PendingNode[] = [{ id: newNode(), from: 0, to: rows.length, depth: 0, hist: undefined }];
  const scratch = new Uint32Array(rows.length);
  for (let q = 0; q < queue.length; q++) {
    const node = queue[q]!;
    const { id, from, to, depth } = node;
    let G = 0;
    let H = 0;
    for (let r = from; r < to; r++) {
      G += grad[rows[r]!]!;
      H += hess[rows[r]!]!;
    }
    const count = to - from;
    const canSplit = depth < params.maxDepth && count >= 2 * params.minSamplesLeaf;
    const hist = canSplit ? (node.hist ?? buildHistogram(from, to)) : undefined;
    node.hist = undefined;
    const parentScore = (G * G) / (H + params.l2);
    let bestGain = 1e-12;
    let bestFeature = -1;
    let bestBin = -1;
    if (hist !== undefined) {
      for (const j of features) {
        const bins = nBins[j]!;
        let gl = 0;
        let hl = 0;
        let cl = 0;
        for (let b = 0; b < bins - 1; b++) {
          const o = (j * maxBins + b) * 3;
          gl += hist[o]!;
          hl += hist[o + 1]!;
          cl += hist[o + 2]!;
          const cr = count - cl;
          if (cl < params.minSamplesLeaf) continue;
          if (cr < params.minSamplesLeaf) break;
          const hr = H - hl;
          if (hl < params.minChildWeight || hr < params.minChildWeight) continue;
          const gr = G - gl;
          const gain = (gl * gl) / (hl + params.l2) + (gr * gr) / (hr + params.l2) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestFeature = j;
            bestBin = b;
          }
        }
      }
    }
    if (bestFeature < 0 || hist === undefined) {
      tree.value[id] = Math.fround((-G / (H + params.l2)) * params.learningRate) + 0;
      continue;
    }
    // Stable partition: left rows keep their order, then right rows.
    let l = from;
    let s = 0;
    for (let r = from; r < to; r++) {
      const i = rows[r]!;
      if (binned[i * f + bestFeature]! <= bestBin) rows[l++] = i;
      else scratch[s++] = i;
    }
    rows.set(scratch.subarray(0, s), l);
    tree.feature[id] = bestFeature;
    tree.bin[id] = bestBin;
    tree.threshold[id] = binning.edges[bestFeature]![bestBin]!;
    const left = newNode();
    const right = newNode();
    tree.left[id] = left;
    tree.right[id] = right;
    const childDepth = depth + 1;
    const leftNode: PendingNode = { id: left, from, to: l, depth: childDepth, hist: undefined };
    const rightNode: PendingNode = { id: right, from: l, to, depth: childDepth, hist: undefined };
    const childCanSplit = (c: PendingNode): boolean =>
      childDepth < params.maxDepth && c.to - c.from >= 2 * params.minSamplesLeaf;
    if (childCanSplit(leftNode) || childCanSplit(rightNode)) {
      const [small, large] = l - from <= to - l ? [leftNode, rightNode] : [rightNode, leftNode];
      const smallHist = buildHistogram(small.from, small.to);
      for (let k = 0; k < histSize; k++) hist[k] = hist[k]! - smallHist[k]!;
      small.hist = smallHist;
      large.hist = hist;
    }
    queue.push(leftNode, rightNode);
  }
  return tree;
}
