import type { GbdtTree } from './gbdt-model';
import type { Binning } from './histogram-binning';

/** Inputs of {@link growTree}: binned rows, per-row gradient statistics and the tree limits. */
export interface TreeGrowthInput {
  /** Row-major bins (`binned[i * cols + j]`) of every fit row. */
  binned: Uint8Array;
  /**
   * The same bins feature-major (`byFeature[j * rows + i]`), when the caller has them: a split
   * then routes its rows by reading one feature's contiguous bins instead of one byte per row-major
   * row (a cache line each).
   */
  byFeature?: Uint8Array;
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
  /**
   * Buffers reused from tree to tree (see {@link createTreeWorkspace}); without one, growTree
   * allocates its own. After the call, `workspace.leaves` lists every leaf's slice of `rows`.
   */
  workspace?: TreeWorkspace;
}

/** Scratch memory of {@link growTree}, kept across the trees of one boosting run. */
export interface TreeWorkspace {
  /** Partition buffer, at least as long as the largest `rows`. */
  scratch: Uint32Array;
  /** Histograms not in use, all of one size. */
  free: Float64Array[];
  histSize: number;
  /**
   * Per row and feature, the offset of the feature's bin in a histogram (`(j · maxBins + bin) · 3`),
   * built on the first tree for the `binned` matrix it was given: the histogram loop then does one
   * load per cell instead of two. Undefined when the offsets do not fit 16 bits.
   */
  cells: Uint16Array | undefined;
  cellsOf: Uint8Array | undefined;
  /** Filled by growTree: leaf node id and the slice [from, to) of `rows` it holds. */
  leaves: Array<{ node: number; from: number; to: number }>;
}

/**
 * Scratch memory for growing trees on up to `rows` rows with the given binning.
 *
 * ### Examples
 * ```ts
 * declare const binned: Uint8Array;
 * declare const cols: number;
 * declare const input: TreeGrowthInput;
 * declare const binning: Binning;
 * const workspace = createTreeWorkspace(binned.length / cols, binning);
 * growTree({ ...input, workspace }); // no per-tree allocation of partition buffers or histograms
 * ```
 */
export function createTreeWorkspace(rows: number, binning: Binning): TreeWorkspace {
  return {
    scratch: new Uint32Array(rows),
    free: [],
    histSize: histogramSize(binning),
    cells: undefined,
    cellsOf: undefined,
    leaves: [],
  };
}

function histogramSize(binning: Binning): number {
  let maxBins = 1;
  for (const e of binning.edges) maxBins = Math.max(maxBins, e.length + 1);
  return binning.edges.length * maxBins * 3;
}

interface PendingNode {
  id: number;
  from: number;
  to: number;
  depth: number;
  /** Gradient and hessian sums of the node's rows, added in row order. */
  g: number;
  h: number;
  hist: Float64Array | undefined;
}

/**
 * Grows one regression tree on gradient histograms (XGBoost-style second-order gain with L2 on
 * leaves, leaf value = −G/(H+λ)·learningRate rounded to float32), breadth-first so node ids
 * are in BFS order. Deterministic: ties keep the first feature and bin.
 *
 * ### Examples
 * ```ts
 * declare const binned: Uint8Array;
 * declare const binning: Binning;
 * declare const cols: number;
 * declare const features: readonly number[];
 * declare const grad: Float64Array;
 * declare const hess: Float64Array;
 * declare const options: { maxDepth: number; minSamplesLeaf: number; minChildWeight: number; l2: number; learningRate: number; };
 * declare const rows: Uint32Array;
 * const tree = growTree({ binned, cols, binning, grad, hess, rows, features, params: options });
 * tree.feature[0]; // split feature of the root, or −1 if the root is a leaf
 * ```
 */
export function growTree(input: TreeGrowthInput): GbdtTree {
  const { binned, byFeature, cols: f, binning, grad, hess, rows, params } = input;
  const workspace =
    input.workspace !== undefined && input.workspace.scratch.length >= rows.length
      ? input.workspace
      : createTreeWorkspace(rows.length, binning);
  const { scratch, free, histSize } = workspace;
  const leaves: TreeWorkspace['leaves'] = [];
  workspace.leaves = leaves;
  const nBins = binning.edges.map((e) => e.length + 1);
  const maxBins = histSize / (3 * f);
  const nRows = (binned.length / f) | 0;
  const features = Int32Array.from(input.features);
  const nFeatures = features.length;
  const allFeatures = nFeatures === f;
  // Offset of feature j's first bin in a histogram laid out [feature][bin][G, H, count].
  const featureOffset = new Int32Array(f);
  for (let j = 0; j < f; j++) featureOffset[j] = j * maxBins * 3;
  const { minSamplesLeaf, minChildWeight, l2, maxDepth, learningRate } = params;
  if (workspace.cellsOf !== binned && f * maxBins * 3 <= 0x10000) {
    const cells = new Uint16Array(binned.length);
    for (let base = 0; base < binned.length; base += f)
      for (let j = 0; j < f; j++) cells[base + j] = (j * maxBins + binned[base + j]!) * 3;
    workspace.cells = cells;
    workspace.cellsOf = binned;
  }
  const cells = workspace.cellsOf === binned ? workspace.cells : undefined;

  const acquire = (): Float64Array => {
    const hist = free.pop();
    if (hist === undefined) return new Float64Array(histSize);
    hist.fill(0);
    return hist;
  };
  // One pass over the node's rows, reading each row's bins as one contiguous slice. Every bin
  // adds its rows in row order, so the sums do not depend on how the loop is arranged: the
  // main loop takes four rows at a time and, feature by feature, adds the four in row order
  // (four independent chains of load-add-store where one row gave one; 1.6× faster), the last
  // rows one by one.
  const buildHistogram = (from: number, to: number): Float64Array => {
    const hist = acquire();
    if (allFeatures && cells !== undefined) {
      let r = from;
      for (; r + 3 < to; r += 4) {
        const i0 = rows[r]!;
        const i1 = rows[r + 1]!;
        const i2 = rows[r + 2]!;
        const i3 = rows[r + 3]!;
        const g0 = grad[i0]!;
        const h0 = hess[i0]!;
        const g1 = grad[i1]!;
        const h1 = hess[i1]!;
        const g2 = grad[i2]!;
        const h2 = hess[i2]!;
        const g3 = grad[i3]!;
        const h3 = hess[i3]!;
        const b0 = i0 * f;
        const b1 = i1 * f;
        const b2 = i2 * f;
        const b3 = i3 * f;
        for (let j = 0; j < f; j++) {
          let o = cells[b0 + j]!;
          hist[o]! += g0;
          hist[o + 1]! += h0;
          hist[o + 2]! += 1;
          o = cells[b1 + j]!;
          hist[o]! += g1;
          hist[o + 1]! += h1;
          hist[o + 2]! += 1;
          o = cells[b2 + j]!;
          hist[o]! += g2;
          hist[o + 1]! += h2;
          hist[o + 2]! += 1;
          o = cells[b3 + j]!;
          hist[o]! += g3;
          hist[o + 1]! += h3;
          hist[o + 2]! += 1;
        }
      }
      for (; r < to; r++) {
        const i = rows[r]!;
        const g = grad[i]!;
        const h = hess[i]!;
        const rowBase = i * f;
        for (let j = 0; j < f; j++) {
          const o = cells[rowBase + j]!;
          hist[o]! += g;
          hist[o + 1]! += h;
          hist[o + 2]! += 1;
        }
      }
    } else if (allFeatures) {
      let r = from;
      for (; r + 3 < to; r += 4) {
        const i0 = rows[r]!;
        const i1 = rows[r + 1]!;
        const i2 = rows[r + 2]!;
        const i3 = rows[r + 3]!;
        const g0 = grad[i0]!;
        const h0 = hess[i0]!;
        const g1 = grad[i1]!;
        const h1 = hess[i1]!;
        const g2 = grad[i2]!;
        const h2 = hess[i2]!;
        const g3 = grad[i3]!;
        const h3 = hess[i3]!;
        const b0 = i0 * f;
        const b1 = i1 * f;
        const b2 = i2 * f;
        const b3 = i3 * f;
        for (let j = 0; j < f; j++) {
          const fo = featureOffset[j]!;
          let o = fo + binned[b0 + j]! * 3;
          hist[o]! += g0;
          hist[o + 1]! += h0;
          hist[o + 2]! += 1;
          o = fo + binned[b1 + j]! * 3;
          hist[o]! += g1;
          hist[o + 1]! += h1;
          hist[o + 2]! += 1;
          o = fo + binned[b2 + j]! * 3;
          hist[o]! += g2;
          hist[o + 1]! += h2;
          hist[o + 2]! += 1;
          o = fo + binned[b3 + j]! * 3;
          hist[o]! += g3;
          hist[o + 1]! += h3;
          hist[o + 2]! += 1;
        }
      }
      for (; r < to; r++) {
        const i = rows[r]!;
        const g = grad[i]!;
        const h = hess[i]!;
        const rowBase = i * f;
        for (let j = 0; j < f; j++) {
          const o = featureOffset[j]! + binned[rowBase + j]! * 3;
          hist[o]! += g;
          hist[o + 1]! += h;
          hist[o + 2]! += 1;
        }
      }
    } else {
      for (let r = from; r < to; r++) {
        const i = rows[r]!;
        const g = grad[i]!;
        const h = hess[i]!;
        const rowBase = i * f;
        for (let k = 0; k < nFeatures; k++) {
          const j = features[k]!;
          const o = featureOffset[j]! + binned[rowBase + j]! * 3;
          hist[o]! += g;
          hist[o + 1]! += h;
          hist[o + 2]! += 1;
        }
      }
    }
    return hist;
  };

  // Breadth-first growth; each node owns a contiguous slice of `rows` and its histogram. A
  // child's histogram is built directly only for the smaller sibling; the larger one is the
  // parent's minus it, which roughly halves the work below the root. The children's gradient
  // sums are taken during the partition, in the same row order as a separate pass would.
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
  let rootG = 0;
  let rootH = 0;
  for (let r = 0; r < rows.length; r++) {
    rootG += grad[rows[r]!]!;
    rootH += hess[rows[r]!]!;
  }
  const queue: PendingNode[] = [
    { id: newNode(), from: 0, to: rows.length, depth: 0, g: rootG, h: rootH, hist: undefined },
  ];
  for (let q = 0; q < queue.length; q++) {
    const node = queue[q]!;
    const { id, from, to, depth, g: G, h: H } = node;
    const count = to - from;
    const canSplit = depth < maxDepth && count >= 2 * minSamplesLeaf;
    const hist = canSplit ? (node.hist ?? buildHistogram(from, to)) : undefined;
    if (!canSplit && node.hist !== undefined) free.push(node.hist);
    node.hist = undefined;
    const parentScore = (G * G) / (H + l2);
    let bestGain = 1e-12;
    let bestFeature = -1;
    let bestBin = -1;
    if (hist !== undefined) {
      for (let k = 0; k < nFeatures; k++) {
        const j = features[k]!;
        const bins = nBins[j]!;
        let gl = 0;
        let hl = 0;
        let cl = 0;
        let o = featureOffset[j]!;
        for (let b = 0; b < bins - 1; b++, o += 3) {
          gl += hist[o]!;
          hl += hist[o + 1]!;
          cl += hist[o + 2]!;
          const cr = count - cl;
          if (cl < minSamplesLeaf) continue;
          if (cr < minSamplesLeaf) break;
          const hr = H - hl;
          if (hl < minChildWeight || hr < minChildWeight) continue;
          const gr = G - gl;
          const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestFeature = j;
            bestBin = b;
          }
        }
      }
    }
    if (bestFeature < 0 || hist === undefined) {
      tree.value[id] = Math.fround((-G / (H + l2)) * learningRate) + 0;
      leaves.push({ node: id, from, to });
      if (hist !== undefined) free.push(hist);
      continue;
    }
    // Stable partition: left rows keep their order, then right rows. Branch-free, because the
    // side of a row is a coin flip the CPU cannot predict: every row is written to both buffers
    // and only the matching cursor moves. The children's gradient sums are then taken over their
    // slices, in row order as before (a multiply-by-side per row in this loop made it 7× slower).
    let l = from;
    let s = 0;
    // Bins of the split feature: contiguous in the feature-major copy, otherwise every f-th byte
    // of the row-major matrix.
    if (byFeature !== undefined) {
      const binBase = bestFeature * nRows;
      for (let r = from; r < to; r++) {
        const i = rows[r]!;
        const left = ((bestBin - byFeature[binBase + i]!) >>> 31) ^ 1;
        rows[l] = i;
        scratch[s] = i;
        l += left;
        s += 1 - left;
      }
    } else {
      for (let r = from; r < to; r++) {
        const i = rows[r]!;
        const left = ((bestBin - binned[i * f + bestFeature]!) >>> 31) ^ 1;
        rows[l] = i;
        scratch[s] = i;
        l += left;
        s += 1 - left;
      }
    }
    for (let r = 0; r < s; r++) rows[l + r] = scratch[r]!;
    let gl = 0;
    let hl = 0;
    for (let r = from; r < l; r++) {
      const i = rows[r]!;
      gl += grad[i]!;
      hl += hess[i]!;
    }
    let gr = 0;
    let hr = 0;
    for (let r = l; r < to; r++) {
      const i = rows[r]!;
      gr += grad[i]!;
      hr += hess[i]!;
    }
    tree.feature[id] = bestFeature;
    tree.bin[id] = bestBin;
    tree.threshold[id] = binning.edges[bestFeature]![bestBin]!;
    const left = newNode();
    const right = newNode();
    tree.left[id] = left;
    tree.right[id] = right;
    const childDepth = depth + 1;
    const leftNode: PendingNode = { id: left, from, to: l, depth: childDepth, g: gl, h: hl, hist: undefined };
    const rightNode: PendingNode = {
      id: right,
      from: l,
      to,
      depth: childDepth,
      g: gr,
      h: hr,
      hist: undefined,
    };
    const childCanSplit = (c: PendingNode): boolean =>
      childDepth < maxDepth && c.to - c.from >= 2 * minSamplesLeaf;
    if (childCanSplit(leftNode) || childCanSplit(rightNode)) {
      const [small, large] = l - from <= to - l ? [leftNode, rightNode] : [rightNode, leftNode];
      const smallHist = buildHistogram(small.from, small.to);
      for (let k = 0; k < histSize; k++) hist[k] = hist[k]! - smallHist[k]!;
      small.hist = smallHist;
      large.hist = hist;
    } else free.push(hist);
    queue.push(leftNode, rightNode);
  }
  return tree;
}
