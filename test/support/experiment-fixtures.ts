import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { getAliases, moveAlias } from '../../src/db/repositories/alias.repository';
import { createExperiment } from '../../src/db/repositories/experiment.repository';
import { getArtifact, getVersionById, registerVersion } from '../../src/db/repositories/version.repository';
import type { FeatureSchema } from '../../src/db/repositories/model.repository';
import type { ExperimentPolicyInput } from '../../src/policies/experiment-policy';
import { experimentWorkflow } from '../../src/workflows';
import { seedChampion, simulateArmOutcomes, type TemporalHarness } from './lifecycle-fixtures';
import type { TestDatabase } from './test-stack';

export interface ExperimentModel {
  model: string;
  championVersionId: string;
  challengerVersionId: string;
}

/**
 * A model with champion v1 (trained by {@link seedChampion} on a small synthetic market) and v2, a
 * second registration of the same artifact staged as challenger — what a retraining job leaves behind
 * before it starts the experiment. The experiment tests are about orchestration, so v2 need not differ.
 */
export async function seedExperimentModel(
  database: TestDatabase,
  model: string,
  seed: number,
): Promise<ExperimentModel> {
  const seeded = await seedChampion(database, { model, seed, bars: 700, trainBars: 600 });
  const v1 = await getVersionById(database.db, seeded.championVersionId);
  const { version: v2 } = await registerVersion(database.db, {
    model,
    trainer: v1.trainer,
    onnx: await getArtifact(database.db, seeded.championVersionId),
    featureSchema: v1.feature_schema as FeatureSchema,
    parentVersionId: seeded.championVersionId,
    createdBy: 'test',
  });
  await moveAlias(database.db, {
    model,
    alias: 'challenger',
    version: v2.version,
    expectedVersionId: null,
    changedBy: 'test',
    reason: 'challenger for the experiment test',
  });
  return { model, championVersionId: seeded.championVersionId, challengerVersionId: v2.version_id };
}

/** Champion v1 as control against challenger v2, 50/50 unless told otherwise. */
export async function createChallengerExperiment(
  database: TestDatabase,
  model: string,
  policy: ExperimentPolicyInput,
  options: { coverage?: number; challengerWeight?: number } = {},
): Promise<string> {
  const challengerWeight = options.challengerWeight ?? 0.5;
  const experiment = await createExperiment(database.db, {
    model,
    name: `${model}: v1 vs v2`,
    variants: [
      { variant: 'control', version: 1, weight: 1 - challengerWeight, isControl: true },
      { variant: 'challenger', version: 2, weight: challengerWeight, isControl: false },
    ],
    ...(options.coverage !== undefined ? { coverage: options.coverage } : {}),
    policy,
    createdBy: 'test',
  });
  return experiment.experiment_id;
}

/** Starts `experimentWorkflow` under its canonical id on the harness's task queue. */
export function startExperimentWorkflow(
  harness: TemporalHarness,
  experimentId: string,
): Promise<WorkflowHandle<typeof experimentWorkflow>> {
  return harness.client.workflow.start(experimentWorkflow, {
    workflowId: `experiment:${experimentId}`,
    taskQueue: harness.taskQueue,
    args: [{ experimentId }],
  });
}

/**
 * {@link simulateArmOutcomes} in one transaction: the workflow's analysis either sees every arm's
 * rows or none. Inserted arm by arm in autocommit, a look between two arms would see a 600-vs-0 split
 * of assignments, i.e. a sample-ratio mismatch the test never meant to inject.
 */
export async function feedArmOutcomes(
  database: TestDatabase,
  experimentId: string,
  arms: Parameters<typeof simulateArmOutcomes>[2],
  n: number,
  seed: number,
): Promise<void> {
  await database.db
    .transaction()
    .execute((trx) => simulateArmOutcomes({ ...database, db: trx }, experimentId, arms, n, seed));
}

export function experimentRow(database: TestDatabase, experimentId: string) {
  return database.db
    .selectFrom('experiments')
    .selectAll()
    .where('experiment_id', '=', experimentId)
    .executeTakeFirstOrThrow();
}

export function alertsOf(database: TestDatabase, experimentId: string) {
  return database.db
    .selectFrom('alerts')
    .selectAll()
    .where('experiment_id', '=', experimentId)
    .orderBy('created_at')
    .execute();
}

/** `[alias, version]` pairs of the model, sorted by alias. */
export async function aliasVersions(database: TestDatabase, model: string): Promise<Array<[string, number]>> {
  return (await getAliases(database.db, model)).map((a) => [a.alias, a.version]);
}

/** Alias moves the experiment's workflow made (it signs them with its workflow id); version null = removed. */
export function aliasMovesBy(database: TestDatabase, experimentId: string) {
  return database.db
    .selectFrom('model_alias_history')
    .leftJoin('model_versions', 'model_versions.version_id', 'model_alias_history.version_id')
    .select(['model_alias_history.alias', 'model_versions.version', 'model_alias_history.reason'])
    .where('model_alias_history.changed_by', '=', `experiment:${experimentId}`)
    .orderBy('model_alias_history.valid_from')
    .execute();
}

/**
 * The message a rejected update carries back to the client: the validator's error, which the client
 * wraps in a WorkflowUpdateFailedError (`Workflow Update failed`) as its cause.
 */
export async function updateRejection(update: Promise<unknown>): Promise<string> {
  try {
    await update;
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) return error.cause?.message ?? error.message;
    throw error;
  }
  throw new Error('the update was accepted, but it should have been rejected');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
