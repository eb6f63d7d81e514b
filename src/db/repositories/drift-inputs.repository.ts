import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';
import type { MarketBarRow, Timeframe } from '../tables/market-bars.table';

/** Where a drift check reads its current window from. */
export interface ServedWindow {
  modelId: string;
  versionId: string;
  from: Date;
  to: Date;
}

/** Served (non-shadow) predictions of one version in a window: counted before anything is loaded. */
export async function countServedPredictions(db: Kysely<Database>, w: ServedWindow): Promise<number> {
  const row = await db
    .selectFrom('predictions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('model_id', '=', w.modelId)
    .where('version_id', '=', w.versionId)
    .where('is_shadow', '=', false)
    .where('created_at', '>=', w.from)
    .where('created_at', '<=', w.to)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * The newest served predictions of a window, newest first, in pages of `pageRows`, at most
 * `maxRows` in all; `onPage` runs after each page (the activity heartbeats there). Keyset
 * pagination on (created_at, prediction_id), so a page costs the same wherever it is.
 */
export async function readServedPredictions(
  db: Kysely<Database>,
  w: ServedWindow,
  options: { maxRows: number; pageRows?: number; onPage?: (rowsSoFar: number) => void },
): Promise<Array<{ features: number[]; output: number }>> {
  const pageRows = options.pageRows ?? 10_000;
  const out: Array<{ features: number[]; output: number }> = [];
  let after: { at: Date; id: string } | null = null;
  while (out.length < options.maxRows) {
    let query = db
      .selectFrom('predictions')
      .select(['prediction_id', 'created_at', 'features', 'output'])
      .where('model_id', '=', w.modelId)
      .where('version_id', '=', w.versionId)
      .where('is_shadow', '=', false)
      .where('created_at', '>=', w.from)
      .where('created_at', '<=', w.to);
    if (after !== null) {
      const { at, id } = after;
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('prediction_id', '<', id)])]),
      );
    }
    const page = await query
      .orderBy('created_at', 'desc')
      .orderBy('prediction_id', 'desc')
      .limit(Math.min(pageRows, options.maxRows - out.length))
      .execute();
    for (const r of page) out.push({ features: r.features, output: r.output });
    options.onPage?.(out.length);
    if (page.length === 0 || page.length < pageRows) break;
    const last = page.at(-1)!;
    after = { at: last.created_at, id: last.prediction_id };
  }
  return out;
}

/** Bars of a symbol in [from, to], counted without loading them. */
export async function countBars(
  db: Kysely<Database>,
  symbol: string,
  timeframe: Timeframe,
  window: { from: Date; to: Date },
): Promise<number> {
  const row = await db
    .selectFrom('market_bars')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('symbol', '=', symbol)
    .where('timeframe', '=', timeframe)
    .where('ts', '>=', window.from)
    .where('ts', '<=', window.to)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The `count` bars just before `before`, oldest first: the warm-up of a window's first features. */
export async function loadBarsBefore(
  db: Kysely<Database>,
  symbol: string,
  timeframe: Timeframe,
  before: Date,
  count: number,
): Promise<MarketBarRow[]> {
  const rows = await db
    .selectFrom('market_bars')
    .selectAll()
    .where('symbol', '=', symbol)
    .where('timeframe', '=', timeframe)
    .where('ts', '<', before)
    .orderBy('ts', 'desc')
    .limit(count)
    .execute();
  return rows.reverse();
}

/**
 * Labelled outcomes of a version in a window, per bar of `barMs` (by prediction time): outcomes of
 * one bar share its market move, so the bar, not the outcome, is the independent unit.
 */
export async function labelledOutcomesByBar(
  db: Kysely<Database>,
  input: { versionId: string; from: Date; to: Date; barMs: number },
): Promise<Array<{ n: number; correct: number }>> {
  const { rows } = await sql<{ n: string; correct: string }>`
    SELECT floor(extract(epoch FROM prediction_at) * 1000 / ${input.barMs}) AS bar,
           count(*) AS n, count(*) FILTER (WHERE correct) AS correct
    FROM experiment_outcomes
    WHERE version_id = ${input.versionId} AND prediction_at BETWEEN ${input.from} AND ${input.to}
      AND correct IS NOT NULL
    GROUP BY bar
    ORDER BY bar`.execute(db);
  return rows.map((r) => ({ n: Number(r.n), correct: Number(r.correct) }));
}
