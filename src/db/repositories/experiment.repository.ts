import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database';
import { RegistryConflictError, VersionNotFoundError } from '../errors';
import type {
  AllocationStrategy,
  ExperimentRow,
  ExperimentStatus,
  ExperimentVariantRow,
} from '../tables/experiments.table';
import { parseDuration } from '../../util/duration';
import { moveAliasInTransaction } from './alias.repository';
import { getModel } from './model.repository';

export interface CreateExperimentInput {
  model: string;
  name: string;
  description?: string;
  /** Arms: version numbers of the model with weights summing to 1; exactly one is the control. */
  variants: Array<{ variant: string; version: number; weight: number; isControl: boolean }>;
  allocationStrategy?: AllocationStrategy;
  coverage?: number;
  policy: unknown;
  createdBy: string;
  /** Same key, same experiment: lets a retried activity create it once. */
  idempotencyKey?: string;
}

/** Statuses in which routers split traffic (or may again): at most one per model. */
export const LIVE_EXPERIMENT_STATUSES = [
  'created',
  'running',
  'paused',
] as const satisfies ExperimentStatus[];
export type TerminalExperimentStatus = Exclude<ExperimentStatus, (typeof LIVE_EXPERIMENT_STATUSES)[number]>;

const isLive = (status: ExperimentStatus) => (LIVE_EXPERIMENT_STATUSES as readonly string[]).includes(status);

/**
 * Thrown when a write meant for a live experiment finds it ended (completed, stopped or failed): a
 * reset or a stale retry must not bring a finished experiment back to life, so callers treat it as
 * permanent.
 */
export class ExperimentEndedError extends Error {
  override readonly name = 'ExperimentEndedError';
  constructor(
    readonly experimentId: string,
    readonly status: ExperimentStatus,
  ) {
    super(`experiment ${experimentId} has already ended (${status}); it cannot be changed any more`);
  }
}

function policyColumns(policy: unknown) {
  const p = (policy ?? {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const duration =
    typeof p.maxDuration === 'string' ? Math.round(parseDuration(p.maxDuration) / 1000) : undefined;
  return {
    ...(p.primaryMetric === 'accuracy' || p.primaryMetric === 'return'
      ? { primary_metric: p.primaryMetric as 'accuracy' | 'return' }
      : {}),
    ...(num(p.alpha) !== undefined ? { alpha: num(p.alpha) } : {}),
    ...(num(p.minimumDetectableEffect) !== undefined
      ? { minimum_detectable_effect: num(p.minimumDetectableEffect)! }
      : {}),
    ...(num(p.minSamplesPerVariant) !== undefined
      ? { min_samples_per_variant: num(p.minSamplesPerVariant) }
      : {}),
    ...(num(p.maxSamplesPerVariant) !== undefined
      ? { max_samples_per_variant: num(p.maxSamplesPerVariant)! }
      : {}),
    ...(duration !== undefined ? { max_duration_seconds: duration } : {}),
  };
}

/** A UUID derived from a key, so that retried creations converge on one row. */
function uuidFromKey(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Creates an experiment and its arms in one transaction. Refuses a second live experiment on the
 * same model, weights that do not sum to 1, and anything but exactly one control arm.
 */
export async function createExperiment(
  db: Kysely<Database>,
  input: CreateExperimentInput,
): Promise<ExperimentRow> {
  const controls = input.variants.filter((v) => v.isControl).length;
  if (controls !== 1)
    throw new RegistryConflictError(`an experiment needs exactly one control arm, got ${controls}`);
  if (input.variants.length < 2) throw new RegistryConflictError('an experiment needs at least two arms');
  const total = input.variants.reduce((sum, v) => sum + v.weight, 0);
  if (Math.abs(total - 1) > 1e-9) throw new RegistryConflictError(`arm weights must sum to 1, got ${total}`);
  if (new Set(input.variants.map((v) => v.variant)).size !== input.variants.length) {
    throw new RegistryConflictError('arm names must be distinct');
  }
  const experimentId = input.idempotencyKey ? uuidFromKey(input.idempotencyKey) : undefined;
  return db.transaction().execute(async (trx) => {
    if (experimentId) {
      const existing = await trx
        .selectFrom('experiments')
        .selectAll()
        .where('experiment_id', '=', experimentId)
        .executeTakeFirst();
      if (existing) return existing;
    }
    const model = await getModel(trx, input.model);
    const live = await trx
      .selectFrom('experiments')
      .select(['experiment_id', 'name'])
      .where('model_id', '=', model.model_id)
      .where('status', 'in', [...LIVE_EXPERIMENT_STATUSES])
      .executeTakeFirst();
    if (live) {
      throw new RegistryConflictError(
        `model "${input.model}" is already in experiment ${live.experiment_id} (${live.name}); stop or conclude it first`,
      );
    }
    const versions = await trx
      .selectFrom('model_versions')
      .select(['version_id', 'version'])
      .where('model_id', '=', model.model_id)
      .where(
        'version',
        'in',
        input.variants.map((v) => v.version),
      )
      .execute();
    const idOf = new Map(versions.map((v) => [v.version, v.version_id]));
    for (const v of input.variants)
      if (!idOf.has(v.version)) throw new VersionNotFoundError(input.model, v.version);
    const id =
      experimentId ?? (await sql<{ id: string }>`SELECT gen_random_uuid() AS id`.execute(trx)).rows[0]!.id;
    const experiment = await trx
      .insertInto('experiments')
      .values({
        experiment_id: id,
        model_id: model.model_id,
        name: input.name,
        description: input.description ?? '',
        allocation_strategy: input.allocationStrategy ?? 'hash',
        salt: id,
        coverage: input.coverage ?? 1,
        policy: JSON.stringify(input.policy),
        // Mirrored into columns so that routers and SQL read the same decision settings as the workflow.
        ...policyColumns(input.policy),
        workflow_id: `experiment:${id}`,
        created_by: input.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('experiment_variants')
      .values(
        input.variants.map((v) => ({
          experiment_id: id,
          variant: v.variant,
          model_id: model.model_id,
          version_id: idOf.get(v.version)!,
          weight: v.weight,
          is_control: v.isControl,
        })),
      )
      .execute();
    return experiment;
  });
}

export interface ExperimentWithVariants extends ExperimentRow {
  modelName: string;
  variants: Array<ExperimentVariantRow & { version: number }>;
}

/** Just the stored status and workflow id of an experiment (cheap: no join, no variants). */
export async function getExperimentStatusAndWorkflow(
  db: Kysely<Database>,
  experimentId: string,
): Promise<Pick<ExperimentRow, 'status' | 'workflow_id'> | undefined> {
  return db
    .selectFrom('experiments')
    .select(['status', 'workflow_id'])
    .where('experiment_id', '=', experimentId)
    .executeTakeFirst();
}

/** The experiments of every model that are created, running or paused. */
export async function listLiveExperimentsOfAllModels(
  db: Kysely<Database>,
): Promise<Array<Pick<ExperimentRow, 'experiment_id' | 'model_id' | 'name' | 'status'>>> {
  return db
    .selectFrom('experiments')
    .select(['experiment_id', 'model_id', 'name', 'status'])
    .where('status', 'in', ['created', 'running', 'paused'])
    .execute();
}

export async function getExperiment(
  db: Kysely<Database>,
  experimentId: string,
): Promise<ExperimentWithVariants | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(experimentId)) return undefined;
  const experiment = await db
    .selectFrom('experiments')
    .innerJoin('models', 'models.model_id', 'experiments.model_id')
    .selectAll('experiments')
    .select('models.name as modelName')
    .where('experiment_id', '=', experimentId)
    .executeTakeFirst();
  if (!experiment) return undefined;
  const variants = await db
    .selectFrom('experiment_variants')
    .innerJoin('model_versions', 'model_versions.version_id', 'experiment_variants.version_id')
    .selectAll('experiment_variants')
    .select('model_versions.version')
    .where('experiment_id', '=', experimentId)
    .orderBy('is_control', 'desc')
    .orderBy('variant')
    .execute();
  return { ...experiment, variants };
}

export async function listExperiments(
  db: Kysely<Database>,
  filter: { model?: string; status?: ExperimentStatus } = {},
) {
  let query = db
    .selectFrom('experiments')
    .innerJoin('models', 'models.model_id', 'experiments.model_id')
    .select([
      'experiments.experiment_id',
      'experiments.name',
      'experiments.status',
      'models.name as model',
      'experiments.created_at',
      'experiments.started_at',
      'experiments.ended_at',
      'experiments.winner_variant',
      'experiments.completion_reason',
    ]);
  if (filter.model) query = query.where('models.name', '=', filter.model);
  if (filter.status) query = query.where('experiments.status', '=', filter.status);
  return query.orderBy('experiments.created_at', 'desc').limit(200).execute();
}

export async function setExperimentStatus(
  db: Kysely<Database>,
  experimentId: string,
  status: ExperimentStatus,
  fields: { winner?: string | null; reason?: string; results?: unknown } = {},
): Promise<void> {
  const terminal = status === 'completed' || status === 'stopped' || status === 'failed';
  await db
    .updateTable('experiments')
    .set({
      status,
      ...(status === 'running' ? { started_at: sql<Date>`coalesce(started_at, now())` } : {}),
      ...(terminal ? { ended_at: sql<Date>`coalesce(ended_at, now())` } : {}),
      ...(fields.winner !== undefined ? { winner_variant: fields.winner } : {}),
      ...(fields.reason !== undefined ? { completion_reason: fields.reason } : {}),
      ...(fields.results !== undefined ? { results: JSON.stringify(fields.results) } : {}),
    })
    .where('experiment_id', '=', experimentId)
    .execute();
}

/**
 * Moves a live experiment between running and paused. Throws {@link ExperimentEndedError} when it has
 * ended, so that no stale pause or resume can mark a finished experiment running again.
 */
export async function setLiveExperimentStatus(
  db: Kysely<Database>,
  experimentId: string,
  status: 'running' | 'paused',
  fields: { reason?: string } = {},
): Promise<void> {
  const updated = await db
    .updateTable('experiments')
    .set({
      status,
      ...(status === 'running' ? { started_at: sql<Date>`coalesce(started_at, now())` } : {}),
      ...(fields.reason !== undefined ? { completion_reason: fields.reason } : {}),
    })
    .where('experiment_id', '=', experimentId)
    .where('status', 'in', [...LIVE_EXPERIMENT_STATUSES])
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await throwIfEnded(db, experimentId);
}

/** Raises the share of units enrolled in a live experiment (never lowers it). */
export async function raiseExperimentCoverage(
  db: Kysely<Database>,
  experimentId: string,
  coverage: number,
): Promise<void> {
  await throwIfEnded(db, experimentId);
  await db
    .updateTable('experiments')
    .set({ coverage })
    .where('experiment_id', '=', experimentId)
    .where('coverage', '<=', coverage)
    .where('status', 'in', [...LIVE_EXPERIMENT_STATUSES])
    .execute();
}

/**
 * Ends a live experiment. The first end wins: on an experiment that has already ended it changes
 * nothing and says so (a retried activity, or a failure handler running after the end was stored).
 *
 * An experiment a retraining job started for its challenger releases that challenger in the same
 * transaction (promotions go through {@link promoteWinner}, which does the same): the alias belongs
 * to the live experiment, not to the job's code after it. A job reset, terminated or cancelled while
 * its experiment ran could otherwise leave the alias on a candidate nothing judges any more (found by
 * the chaos run: reset to the job's first workflow task during a paused experiment).
 */
export async function endExperiment(
  db: Kysely<Database>,
  experimentId: string,
  status: TerminalExperimentStatus,
  fields: { winner?: string | null; reason?: string; results?: unknown } = {},
): Promise<{ ended: boolean; status: ExperimentStatus }> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('experiments')
      .set(endColumns(status, fields))
      .where('experiment_id', '=', experimentId)
      .where('status', 'in', [...LIVE_EXPERIMENT_STATUSES])
      .returning(['experiment_id'])
      .executeTakeFirst();
    if (updated) {
      await releaseJobChallenger(
        trx,
        experimentId,
        `experiment ${experimentId} ${status}: ${fields.reason ?? ''}`,
      );
      return { ended: true, status };
    }
    const row = await trx
      .selectFrom('experiments')
      .select('status')
      .where('experiment_id', '=', experimentId)
      .executeTakeFirst();
    if (!row) throw new RegistryConflictError(`experiment ${experimentId} does not exist`);
    return { ended: false, status: row.status };
  });
}

/**
 * Clears the challenger alias if it still points at the candidate of the retraining job that
 * started this experiment (compare-and-set: a challenger staged for something else since stays).
 */
async function releaseJobChallenger(trx: Transaction<Database>, experimentId: string, reason: string) {
  const staged = await trx
    .selectFrom('retraining_jobs')
    .innerJoin('models', 'models.model_id', 'retraining_jobs.model_id')
    .innerJoin('model_aliases', (join) =>
      join
        .onRef('model_aliases.model_id', '=', 'retraining_jobs.model_id')
        .onRef('model_aliases.version_id', '=', 'retraining_jobs.new_version_id')
        .on('model_aliases.alias', '=', 'challenger'),
    )
    .select(['models.name as model', 'retraining_jobs.new_version_id as versionId'])
    .where('retraining_jobs.experiment_id', '=', experimentId)
    .executeTakeFirst();
  if (!staged?.versionId) return;
  await moveAliasInTransaction(trx, {
    model: staged.model,
    alias: 'challenger',
    version: null,
    expectedVersionId: staged.versionId,
    changedBy: `experiment:${experimentId}`,
    reason: reason.slice(0, 500),
  });
}

export interface PromoteWinnerInput {
  experimentId: string;
  model: string;
  /** The arm that won, its version, and the control arm's version (champion when the experiment began). */
  winnerVariant: string;
  winnerVersion: number;
  winnerVersionId: string;
  controlVersionId: string;
  reason: string;
  results: unknown;
  changedBy: string;
}

/**
 * A promotion as one transaction: champion moves from the control's version to the winner's
 * (compare-and-set), the challenger alias is cleared if it still points at the winner, and the
 * experiment is marked completed with its winner. Either all three are stored or none is.
 *
 * Idempotent: when a previous attempt committed (and only its answer was lost) it finds the
 * experiment completed with this winner and changes nothing. Throws {@link AliasConflictError} when
 * champion was moved by someone else meanwhile (a real conflict, which retrying cannot fix) and
 * {@link ExperimentEndedError} when the experiment ended otherwise.
 */
export async function promoteWinner(
  db: Kysely<Database>,
  input: PromoteWinnerInput,
): Promise<{ promoted: boolean }> {
  return db.transaction().execute(async (trx) => {
    // Locked first: a concurrent end (operator stop, another attempt) waits for this one and then
    // sees it ended.
    const row = await trx
      .selectFrom('experiments')
      .select(['status', 'winner_variant'])
      .where('experiment_id', '=', input.experimentId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new RegistryConflictError(`experiment ${input.experimentId} does not exist`);
    if (!isLive(row.status)) {
      if (row.status === 'completed' && row.winner_variant === input.winnerVariant)
        return { promoted: false };
      throw new ExperimentEndedError(input.experimentId, row.status);
    }
    await moveAliasInTransaction(trx, {
      model: input.model,
      alias: 'champion',
      version: input.winnerVersion,
      expectedVersionId: input.controlVersionId,
      changedBy: input.changedBy,
      reason: input.reason,
    });
    const challenger = await trx
      .selectFrom('model_aliases')
      .innerJoin('models', 'models.model_id', 'model_aliases.model_id')
      .select('model_aliases.version_id')
      .where('models.name', '=', input.model)
      .where('model_aliases.alias', '=', 'challenger')
      .executeTakeFirst();
    // A challenger staged for something else since is not this experiment's to clear.
    if (challenger?.version_id === input.winnerVersionId) {
      await moveAliasInTransaction(trx, {
        model: input.model,
        alias: 'challenger',
        version: null,
        expectedVersionId: input.winnerVersionId,
        changedBy: input.changedBy,
        reason: 'promoted to champion',
      });
    }
    await trx
      .updateTable('experiments')
      .set(
        endColumns('completed', {
          winner: input.winnerVariant,
          reason: input.reason,
          results: input.results,
        }),
      )
      .where('experiment_id', '=', input.experimentId)
      .execute();
    return { promoted: true };
  });
}

function endColumns(
  status: TerminalExperimentStatus,
  fields: { winner?: string | null; reason?: string; results?: unknown },
) {
  return {
    status,
    ended_at: sql<Date>`coalesce(ended_at, now())`,
    ...(fields.winner !== undefined ? { winner_variant: fields.winner } : {}),
    ...(fields.reason !== undefined ? { completion_reason: fields.reason } : {}),
    ...(fields.results !== undefined ? { results: JSON.stringify(fields.results) } : {}),
  };
}

async function throwIfEnded(db: Kysely<Database>, experimentId: string): Promise<void> {
  const row = await db
    .selectFrom('experiments')
    .select('status')
    .where('experiment_id', '=', experimentId)
    .executeTakeFirst();
  if (!row) throw new RegistryConflictError(`experiment ${experimentId} does not exist`);
  if (!isLive(row.status)) throw new ExperimentEndedError(experimentId, row.status);
}
