import type { Kysely } from 'kysely';
import type { Database } from '../db/database';

export interface ServedPredictionColumns {
  /** Feature values by name, in the version's schema order. */
  columns: Record<string, number[]>;
  /** The model's outputs on the same rows. */
  outputs: number[];
  /** Rows skipped because their feature vector does not fit the schema. */
  malformed: number;
}

/**
 * The newest served (non-shadow) predictions of one version in a time window, as columns.
 * Drift checks and drift reports read live traffic through this one query.
 */
export async function loadServedPredictionColumns(
  db: Kysely<Database>,
  input: {
    modelId: string;
    versionId: string;
    names: readonly string[];
    from: Date;
    to: Date;
    maxRows?: number;
  },
): Promise<ServedPredictionColumns> {
  const rows = await db
    .selectFrom('predictions')
    .select(['features', 'output'])
    .where('model_id', '=', input.modelId)
    .where('version_id', '=', input.versionId)
    .where('is_shadow', '=', false)
    .where('created_at', '>=', input.from)
    .where('created_at', '<=', input.to)
    .orderBy('created_at', 'desc')
    .limit(input.maxRows ?? 100_000)
    .execute();
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
