import { sql, type Kysely } from 'kysely';
import type { Database } from '../database';
import type { MarketBarRow, Timeframe } from '../tables/market-bars.table';

export interface BarInput {
  ts: Date;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface UpsertBarsResult {
  inserted: number;
  updated: number;
  /** Rows that were already stored with exactly these values (a repeated import). */
  unchanged: number;
}

// 8 parameters a row; Postgres allows 65,535 parameters per statement.
const BATCH = 5_000;

/**
 * Inserts bars or updates them when (symbol, timeframe, ts) exists, all in one transaction so an
 * import is stored completely or not at all. Identical re-imports change nothing.
 */
export async function upsertBars(
  db: Kysely<Database>,
  symbol: string,
  timeframe: Timeframe,
  bars: BarInput[],
): Promise<UpsertBarsResult> {
  const result: UpsertBarsResult = { inserted: 0, updated: 0, unchanged: 0 };
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < bars.length; start += BATCH) {
      const chunk = bars.slice(start, start + BATCH);
      const rows = await trx
        .insertInto('market_bars')
        .values(chunk.map((b) => ({ symbol, timeframe, ...b })))
        .onConflict((oc) =>
          oc
            .columns(['symbol', 'timeframe', 'ts'])
            .doUpdateSet((eb) => ({
              open: eb.ref('excluded.open'),
              high: eb.ref('excluded.high'),
              low: eb.ref('excluded.low'),
              close: eb.ref('excluded.close'),
              volume: eb.ref('excluded.volume'),
            }))
            // Skipping identical rows keeps re-imports from rewriting (and bloating) the table.
            .where(
              sql<boolean>`(market_bars.open, market_bars.high, market_bars.low, market_bars.close, market_bars.volume)
                IS DISTINCT FROM (excluded.open, excluded.high, excluded.low, excluded.close, excluded.volume)`,
            ),
        )
        // xmax = 0 only for freshly inserted tuples: tells inserts from updates in one round trip.
        .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
        .execute();
      const inserted = rows.filter((r) => r.inserted).length;
      result.inserted += inserted;
      result.updated += rows.length - inserted;
      result.unchanged += chunk.length - rows.length;
    }
  });
  return result;
}

/** Bars of one symbol and timeframe in time order, optionally within [from, to]. */
export async function loadBars(
  db: Kysely<Database>,
  symbol: string,
  timeframe: Timeframe,
  window: { from?: Date; to?: Date } = {},
): Promise<MarketBarRow[]> {
  let query = db
    .selectFrom('market_bars')
    .selectAll()
    .where('symbol', '=', symbol)
    .where('timeframe', '=', timeframe);
  if (window.from) query = query.where('ts', '>=', window.from);
  if (window.to) query = query.where('ts', '<=', window.to);
  return query.orderBy('ts').execute();
}

/** Span and count of the newest `limit` stored bars of a series (from/to null when there are none; n is a bigint string). */
export async function newestBarsWindow(
  db: Kysely<Database>,
  symbol: string,
  timeframe: string,
  limit: number,
): Promise<{ from: Date | null; to: Date | null; n: string }> {
  const { rows } = await sql<{ from: Date | null; to: Date | null; n: string }>`
        SELECT min(ts) AS from, max(ts) AS to, count(*) AS n FROM (
          SELECT ts FROM market_bars WHERE symbol = ${symbol} AND timeframe = ${timeframe}
          ORDER BY ts DESC LIMIT ${limit}) newest`.execute(db);
  return rows[0]!;
}
