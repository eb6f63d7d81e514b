import type { Db } from '../db/database';
import { readServedPredictions } from '../db/repositories/drift-inputs.repository';

export interface ServedPredictionColumns {
  /** Feature values by name, in the version's schema order. */
  columns: Record<string, number[]>;
  /** The model's outputs on the same rows. */
  outputs: number[];
  /** Rows skipped because their feature vector does not fit the schema. */
  malformed: number;
}

/**
 * The newest served (non-shadow) predictions of one version in a time window, as columns: at most
 * `maxRows` (default 100,000), read in pages with `onPage` after each. Drift checks and drift
 * reports read live traffic through this one function.
 */
export async function loadServedPredictionColumns(
  db: Db,
  input: {
    modelId: string;
    versionId: string;
    names: readonly string[];
    from: Date;
    to: Date;
    maxRows?: number;
    onPage?: (rowsSoFar: number) => void;
  },
): Promise<ServedPredictionColumns> {
  const rows = await readServedPredictions(db, input, {
    maxRows: input.maxRows ?? 100_000,
    ...(input.onPage ? { onPage: input.onPage } : {}),
  });
  const columns: Record<string, number[]> = Object.fromEntries(input.names.map((n) => [n, [] as number[]]));
  const outputs: number[] = [];
  let malformed = 0;
  for (const row of rows) {
    // A row logged under another schema cannot be compared feature by feature; it is counted, not used.
    if (row.features.length !== input.names.length || !row.features.every(Number.isFinite)) {
      malformed++;
      continue;
    }
    input.names.forEach((n, j) => columns[n]!.push(row.features[j]!));
    outputs.push(row.output);
  }
  return { columns, outputs, malformed };
}
