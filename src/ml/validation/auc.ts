import { MlInputError } from '../errors';
import { checkPredictions } from './check-predictions';

/**
 * Area under the ROC curve (Mann–Whitney U / (n₁·n₀)), with tied scores given mid-ranks so a tie
 * between a positive and a negative counts ½. Scores may be any finite numbers. Throws when only
 * one class is present, since AUC is then undefined.
 *
 * ### Examples
 * ```ts
 * auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.75
 * auc([0, 1], [0.5, 0.5]); // 0.5
 * ```
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkPredictions(labels, scores, { binaryLabels: true, probabilities: false });
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const midRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (labels[order[k]!] === 1) {
        positives++;
        rankSum += midRank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new MlInputError(
      'labels',
      `AUC needs both classes, got ${positives} positives and ${negatives} negatives`,
    );
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
