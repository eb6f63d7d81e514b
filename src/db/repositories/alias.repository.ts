import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database';
import { AliasConflictError, VersionNotFoundError } from '../errors';
import type { ModelAlias, ModelStage } from '../tables/registry.table';
import { getModel } from './model.repository';

/** The stage a version has while it holds an alias; a version that loses the champion alias is archived. */
const STAGE_OF_ALIAS: Record<ModelAlias, ModelStage> = {
  champion: 'production',
  challenger: 'staging',
  shadow: 'staging',
};

export interface MoveAliasInput {
  model: string;
  alias: ModelAlias;
  /** Target version number; null removes the alias. */
  version: number | null;
  /**
   * Compare-and-set: the version id the caller believes the alias points at now (null = unset).
   * Omit to move unconditionally (operator commands, clearing a challenger); promotions pass it.
   */
  expectedVersionId?: string | null;
  changedBy: string;
  reason?: string;
}

export interface AliasMove {
  alias: ModelAlias;
  fromVersionId: string | null;
  toVersionId: string | null;
  /** False when the alias already pointed at the target (a retried move is a no-op). */
  changed: boolean;
}

/**
 * Moves (or removes) an alias with compare-and-set semantics, closes the previous history period
 * and opens a new one at the same instant, and keeps version stages consistent with the aliases.
 * Retrying a move that already happened is a no-op, so an activity may run it twice.
 */
export async function moveAlias(db: Kysely<Database>, input: MoveAliasInput): Promise<AliasMove> {
  return db.transaction().execute((trx) => moveAliasInTransaction(trx, input));
}

/**
 * {@link moveAlias} inside a transaction the caller owns, so that an alias move can commit or roll
 * back together with other writes (a promotion moves champion, clears challenger and ends the
 * experiment as one unit).
 */
export async function moveAliasInTransaction(
  trx: Transaction<Database>,
  input: MoveAliasInput,
): Promise<AliasMove> {
  const model = await getModel(trx, input.model);
  // Lock the model row: serialises all alias moves of this model, including the first one.
  await trx
    .selectFrom('models')
    .select('model_id')
    .where('model_id', '=', model.model_id)
    .forUpdate()
    .execute();
  let target: string | null = null;
  if (input.version !== null) {
    const row = await trx
      .selectFrom('model_versions')
      .select(['version_id', 'stage'])
      .where('model_id', '=', model.model_id)
      .where('version', '=', input.version)
      .executeTakeFirst();
    if (!row) throw new VersionNotFoundError(input.model, input.version);
    target = row.version_id;
  }
  const current = await trx
    .selectFrom('model_aliases')
    .select('version_id')
    .where('model_id', '=', model.model_id)
    .where('alias', '=', input.alias)
    .executeTakeFirst();
  const currentId = current?.version_id ?? null;
  if (currentId === target)
    return { alias: input.alias, fromVersionId: currentId, toVersionId: target, changed: false };
  if (input.expectedVersionId !== undefined && input.expectedVersionId !== currentId) {
    throw new AliasConflictError(input.model, input.alias, input.expectedVersionId, currentId);
  }

  if (target === null) {
    await trx
      .deleteFrom('model_aliases')
      .where('model_id', '=', model.model_id)
      .where('alias', '=', input.alias)
      .execute();
  } else {
    await trx
      .insertInto('model_aliases')
      .values({
        model_id: model.model_id,
        alias: input.alias,
        version_id: target,
        updated_at: sql<Date>`now()`,
        updated_by: input.changedBy,
      })
      .onConflict((oc) =>
        oc.columns(['model_id', 'alias']).doUpdateSet({
          version_id: target,
          updated_at: sql<Date>`now()`,
          updated_by: input.changedBy,
        }),
      )
      .execute();
  }
  await trx
    .updateTable('model_alias_history')
    .set({ valid_to: sql<Date>`now()` })
    .where('model_id', '=', model.model_id)
    .where('alias', '=', input.alias)
    .where('valid_to', 'is', null)
    .execute();
  await trx
    .insertInto('model_alias_history')
    .values({
      model_id: model.model_id,
      alias: input.alias,
      version_id: target,
      valid_from: sql<Date>`now()`,
      changed_by: input.changedBy,
      reason: input.reason ?? '',
    })
    .execute();
  await syncStages(trx, model.model_id, [currentId, target]);
  return { alias: input.alias, fromVersionId: currentId, toVersionId: target, changed: true };
}

/** Recomputes the stage of the versions an alias move touched from the aliases they now hold. */
async function syncStages(
  trx: Transaction<Database>,
  modelId: string,
  versionIds: Array<string | null>,
): Promise<void> {
  for (const versionId of versionIds) {
    if (versionId === null) continue;
    const held = await trx
      .selectFrom('model_aliases')
      .select('alias')
      .where('model_id', '=', modelId)
      .where('version_id', '=', versionId)
      .execute();
    const aliases = held.map((h) => h.alias);
    const wasChampion = await trx
      .selectFrom('model_alias_history')
      .select('history_id')
      .where('version_id', '=', versionId)
      .where('alias', '=', 'champion')
      .executeTakeFirst();
    const stage: ModelStage = aliases.includes('champion')
      ? 'production'
      : aliases.length > 0
        ? STAGE_OF_ALIAS[aliases[0] as ModelAlias]
        : wasChampion
          ? 'archived'
          : 'development';
    await trx.updateTable('model_versions').set({ stage }).where('version_id', '=', versionId).execute();
  }
}

export interface AliasState {
  alias: ModelAlias;
  versionId: string;
  version: number;
  updatedAt: Date;
  updatedBy: string;
}

export async function getAliases(db: Kysely<Database>, model: string): Promise<AliasState[]> {
  const { model_id } = await getModel(db, model);
  const rows = await db
    .selectFrom('model_aliases')
    .innerJoin('model_versions', 'model_versions.version_id', 'model_aliases.version_id')
    .select([
      'model_aliases.alias',
      'model_aliases.version_id',
      'model_versions.version',
      'model_aliases.updated_at',
      'model_aliases.updated_by',
    ])
    .where('model_aliases.model_id', '=', model_id)
    .orderBy('model_aliases.alias')
    .execute();
  return rows.map((r) => ({
    alias: r.alias,
    versionId: r.version_id,
    version: r.version,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  }));
}

/** Which version held the alias at instant `at` (undefined when none did). One indexed query. */
export async function aliasAt(
  db: Kysely<Database>,
  model: string,
  alias: ModelAlias,
  at: Date,
): Promise<{ versionId: string; version: number } | undefined> {
  const row = await db
    .selectFrom('model_alias_history as h')
    .innerJoin('models as m', 'm.model_id', 'h.model_id')
    .leftJoin('model_versions as v', 'v.version_id', 'h.version_id')
    .select(['h.version_id', 'v.version'])
    .where('m.name', '=', model)
    .where('h.alias', '=', alias)
    .where('h.valid_from', '<=', at)
    .where((eb) => eb.or([eb('h.valid_to', 'is', null), eb('h.valid_to', '>', at)]))
    .orderBy('h.valid_from', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.version_id && row.version !== null
    ? { versionId: row.version_id, version: row.version }
    : undefined;
}

export interface AliasHistoryEntry {
  alias: ModelAlias;
  version: number | null;
  validFrom: Date;
  validTo: Date | null;
  changedBy: string;
  reason: string;
}

export async function aliasHistory(
  db: Kysely<Database>,
  model: string,
  alias?: ModelAlias,
): Promise<AliasHistoryEntry[]> {
  const { model_id } = await getModel(db, model);
  let query = db
    .selectFrom('model_alias_history as h')
    .leftJoin('model_versions as v', 'v.version_id', 'h.version_id')
    .select(['h.alias', 'v.version', 'h.valid_from', 'h.valid_to', 'h.changed_by', 'h.reason'])
    .where('h.model_id', '=', model_id);
  if (alias) query = query.where('h.alias', '=', alias);
  const rows = await query.orderBy('h.valid_from').orderBy('h.history_id').execute();
  return rows.map((r) => ({
    alias: r.alias,
    version: r.version,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    changedBy: r.changed_by,
    reason: r.reason,
  }));
}

/**
 * Moves champion back to the version that held it before the current one.
 * Throws when there is no earlier champion to go back to.
 */
export async function rollbackChampion(
  db: Kysely<Database>,
  model: string,
  changedBy: string,
  reason = 'rollback',
): Promise<AliasMove & { version: number }> {
  const history = (await aliasHistory(db, model, 'champion')).filter((h) => h.version !== null);
  const current = history.at(-1);
  const previous = [...history].reverse().find((h) => h.version !== current?.version);
  if (!current || !previous || previous.version === null) {
    throw new VersionNotFoundError(model, 'before the current champion (nothing to roll back to)');
  }
  const aliases = await getAliases(db, model);
  const move = await moveAlias(db, {
    model,
    alias: 'champion',
    version: previous.version,
    expectedVersionId: aliases.find((a) => a.alias === 'champion')?.versionId ?? null,
    changedBy,
    reason,
  });
  return { ...move, version: previous.version };
}

/** Every alias of every model with the version number it points at. */
export async function listAllAliasVersions(
  db: Kysely<Database>,
): Promise<Array<{ model_id: string; alias: ModelAlias; version: number; updated_at: Date }>> {
  return db
    .selectFrom('model_aliases as a')
    .innerJoin('model_versions as v', 'v.version_id', 'a.version_id')
    .select(['a.model_id', 'a.alias', 'v.version', 'a.updated_at'])
    .execute();
}

/**
 * Whether `changedBy` (a workflow id, as promotions record it) ever moved champion to this version:
 * how a promotion is recognised afterwards, even once champion has moved on.
 */
export async function championWasSetBy(
  db: Kysely<Database>,
  versionId: string,
  changedBy: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('model_alias_history')
    .select('version_id')
    .where('alias', '=', 'champion')
    .where('version_id', '=', versionId)
    .where('changed_by', '=', changedBy)
    .executeTakeFirst();
  return row !== undefined;
}
