import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../database';
import { VersionNotFoundError } from '../errors';
import type { ModelStage, ModelVersionRow } from '../tables/registry.table';
import { getModel, type FeatureSchema } from './model.repository';

/** A stored reference profile of one feature, as the statistics core fits it. */
export interface ReferenceProfileInput {
  featureName: string;
  n: number;
  mean: number | null;
  stdDev: number | null;
  min: number | null;
  max: number | null;
  binEdges: number[] | null;
  binCounts: number[] | null;
  profile: unknown;
}

export interface RegisterVersionInput {
  model: string;
  trainer: string;
  onnx: Uint8Array;
  featureSchema: FeatureSchema;
  hyperparameters?: unknown;
  metrics?: unknown;
  parentVersionId?: string | null;
  trainingWindow?: { start: Date; end: Date };
  createdBy: string;
  workflowId?: string;
  /** A retried registration with the same key returns the version the first attempt made. */
  idempotencyKey?: string;
  referenceProfiles?: ReferenceProfileInput[];
}

export type ModelVersionSummary = Omit<ModelVersionRow, 'onnx'>;

export interface RegisteredVersion {
  version: ModelVersionSummary;
  /** False when the idempotency key matched an earlier registration. */
  created: boolean;
}

const summaryColumns = [
  'version_id',
  'model_id',
  'version',
  'parent_version_id',
  'stage',
  'trainer',
  'hyperparameters',
  'metrics',
  'feature_schema',
  'training_window_start',
  'training_window_end',
  'onnx_sha256',
  'created_by',
  'workflow_id',
  'idempotency_key',
  'created_at',
] as const;

/**
 * Registers an immutable version: the next number is taken from the model row under its lock, so
 * concurrent registrations get distinct numbers; the artifact's sha256 and the reference profiles
 * are stored in the same transaction.
 */
export async function registerVersion(
  db: Kysely<Database>,
  input: RegisterVersionInput,
): Promise<RegisteredVersion> {
  const onnx = Buffer.from(input.onnx);
  const sha256 = createHash('sha256').update(onnx).digest('hex');
  return db.transaction().execute(async (trx) => {
    if (input.idempotencyKey) {
      const existing = await trx
        .selectFrom('model_versions')
        .select(summaryColumns)
        .where('idempotency_key', '=', input.idempotencyKey)
        .executeTakeFirst();
      if (existing) return { version: existing, created: false };
    }
    const model = await getModel(trx, input.model);
    const { next } = await trx
      .updateTable('models')
      .set((eb) => ({ next_version: eb('next_version', '+', 1) }))
      .where('model_id', '=', model.model_id)
      .returning((eb) => eb('next_version', '-', 1).as('next'))
      .executeTakeFirstOrThrow();
    const version = await trx
      .insertInto('model_versions')
      .values({
        model_id: model.model_id,
        version: next,
        parent_version_id: input.parentVersionId ?? null,
        trainer: input.trainer,
        hyperparameters: JSON.stringify(input.hyperparameters ?? {}),
        metrics: JSON.stringify(input.metrics ?? {}),
        feature_schema: JSON.stringify(input.featureSchema),
        training_window_start: input.trainingWindow?.start ?? null,
        training_window_end: input.trainingWindow?.end ?? null,
        onnx,
        onnx_sha256: sha256,
        created_by: input.createdBy,
        workflow_id: input.workflowId ?? null,
        idempotency_key: input.idempotencyKey ?? null,
      })
      .returning(summaryColumns)
      .executeTakeFirstOrThrow();
    if (input.referenceProfiles?.length) {
      await trx
        .insertInto('feature_distribution_snapshots')
        .values(
          input.referenceProfiles.map((p) => ({
            version_id: version.version_id,
            feature_name: p.featureName,
            kind: 'reference' as const,
            n: p.n,
            mean: p.mean,
            std_dev: p.stdDev,
            min_value: p.min,
            max_value: p.max,
            bin_edges: p.binEdges,
            bin_counts: p.binCounts,
            profile: JSON.stringify(p.profile),
          })),
        )
        .execute();
    }
    return { version, created: true };
  });
}

export async function getVersion(
  db: Kysely<Database>,
  model: string,
  version: number,
): Promise<ModelVersionSummary> {
  const { model_id } = await getModel(db, model);
  const row = await db
    .selectFrom('model_versions')
    .select(summaryColumns)
    .where('model_id', '=', model_id)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) throw new VersionNotFoundError(model, version);
  return row;
}

export async function getVersionById(db: Kysely<Database>, versionId: string): Promise<ModelVersionSummary> {
  const row = await db
    .selectFrom('model_versions')
    .select(summaryColumns)
    .where('version_id', '=', versionId)
    .executeTakeFirst();
  if (!row) throw new VersionNotFoundError('?', `id ${versionId}`);
  return row;
}

/** The ONNX bytes of a version, checked against the stored sha256 before they are handed out. */
export async function getArtifact(db: Kysely<Database>, versionId: string): Promise<Buffer> {
  const row = await db
    .selectFrom('model_versions')
    .select(['onnx', 'onnx_sha256', 'version'])
    .where('version_id', '=', versionId)
    .executeTakeFirst();
  if (!row) throw new VersionNotFoundError('?', `id ${versionId}`);
  const actual = createHash('sha256').update(row.onnx).digest('hex');
  if (actual !== row.onnx_sha256) {
    throw new Error(
      `artifact of version id ${versionId} is corrupt: sha256 ${actual} != stored ${row.onnx_sha256}`,
    );
  }
  return row.onnx;
}

export async function listVersions(db: Kysely<Database>, model: string): Promise<ModelVersionSummary[]> {
  const { model_id } = await getModel(db, model);
  return db
    .selectFrom('model_versions')
    .select(summaryColumns)
    .where('model_id', '=', model_id)
    .orderBy('version')
    .execute();
}

/** A version as the model page lists it (no artifact, no features). */
export type VersionListing = Pick<
  ModelVersionRow,
  | 'version_id'
  | 'version'
  | 'stage'
  | 'trainer'
  | 'metrics'
  | 'created_at'
  | 'created_by'
  | 'parent_version_id'
  | 'workflow_id'
>;

/** A model's newest `limit` versions, newest first. */
export async function listLatestVersions(
  db: Kysely<Database>,
  modelId: string,
  limit: number,
): Promise<VersionListing[]> {
  return db
    .selectFrom('model_versions')
    .select([
      'version_id',
      'version',
      'stage',
      'trainer',
      'metrics',
      'created_at',
      'created_by',
      'parent_version_id',
      'workflow_id',
    ])
    .where('model_id', '=', modelId)
    .orderBy('version', 'desc')
    .limit(limit)
    .execute();
}

/** The version numbers of the given version ids (ids not found are absent). */
export async function versionNumbersOf(
  db: Kysely<Database>,
  versionIds: string[],
): Promise<Array<{ version_id: string; version: number }>> {
  return db
    .selectFrom('model_versions')
    .select(['version_id', 'version'])
    .where('version_id', 'in', versionIds)
    .execute();
}

export async function setStage(db: Kysely<Database>, versionId: string, stage: ModelStage): Promise<void> {
  await db.updateTable('model_versions').set({ stage }).where('version_id', '=', versionId).execute();
}

export async function loadReferenceProfiles(
  db: Kysely<Database>,
  versionId: string,
): Promise<Record<string, unknown>> {
  const rows = await db
    .selectFrom('feature_distribution_snapshots')
    .select(['feature_name', 'profile'])
    .where('version_id', '=', versionId)
    .where('kind', '=', 'reference')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.feature_name, r.profile]));
}
