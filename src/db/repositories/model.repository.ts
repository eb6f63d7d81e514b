import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database';
import { ModelNotFoundError, RegistryConflictError } from '../errors';
import type { ModelRow, PredictionTarget } from '../tables/registry.table';

export interface FeatureSchema {
  version: string | number;
  names: readonly string[];
}

export interface CreateModelInput {
  name: string;
  predictionTarget: PredictionTarget;
  featureSchema: FeatureSchema;
  symbol?: string;
  timeframe?: string;
  description?: string;
  gatePolicy?: unknown;
  supervisorPolicy?: unknown;
}

/**
 * Creates the model, or returns it when one with the same name, target and feature schema exists
 * (so a retried registration is harmless); a different target or schema under the same name is refused.
 */
export async function ensureModel(db: Kysely<Database>, input: CreateModelInput): Promise<ModelRow> {
  const inserted = await db
    .insertInto('models')
    .values({
      name: input.name,
      prediction_target: input.predictionTarget,
      feature_schema: JSON.stringify(input.featureSchema),
      symbol: input.symbol ?? null,
      timeframe: input.timeframe ?? null,
      description: input.description ?? '',
      gate_policy: JSON.stringify(input.gatePolicy ?? {}),
      supervisor_policy: JSON.stringify(input.supervisorPolicy ?? {}),
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return inserted;
  const existing = await getModel(db, input.name);
  if (existing.prediction_target !== input.predictionTarget) {
    throw new RegistryConflictError(
      `model "${input.name}" predicts ${existing.prediction_target}, not ${input.predictionTarget}; use another name`,
    );
  }
  const schema = existing.feature_schema as FeatureSchema;
  if (JSON.stringify(schema.names) !== JSON.stringify(input.featureSchema.names)) {
    throw new RegistryConflictError(
      `model "${input.name}" has feature schema v${schema.version} (${schema.names.length} features); ` +
        `the new one (v${input.featureSchema.version}, ${input.featureSchema.names.length} features) differs — use another model name`,
    );
  }
  return existing;
}

/** The model registered under `name`, or undefined when there is none (for callers that treat absence as normal). */
export async function findModel(
  db: Kysely<Database> | Transaction<Database>,
  name: string,
): Promise<ModelRow | undefined> {
  return db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function getModel(
  db: Kysely<Database> | Transaction<Database>,
  name: string,
): Promise<ModelRow> {
  const row = await findModel(db, name);
  if (!row) throw new ModelNotFoundError(name);
  return row;
}

export async function listModels(db: Kysely<Database>): Promise<ModelRow[]> {
  return db.selectFrom('models').selectAll().orderBy('name').execute();
}

/** Updates the per-model policies (gate and supervision), validated by the caller. */
export async function setModelPolicies(
  db: Kysely<Database>,
  name: string,
  policies: { gatePolicy?: unknown; supervisorPolicy?: unknown },
): Promise<void> {
  const result = await db
    .updateTable('models')
    .set({
      ...(policies.gatePolicy !== undefined ? { gate_policy: JSON.stringify(policies.gatePolicy) } : {}),
      ...(policies.supervisorPolicy !== undefined
        ? { supervisor_policy: JSON.stringify(policies.supervisorPolicy) }
        : {}),
    })
    .where('name', '=', name)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new ModelNotFoundError(name);
}
