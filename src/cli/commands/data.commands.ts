import { readFile } from 'node:fs/promises';
import { upsertBars } from '../../db/repositories/market-bars.repository';
import type { Timeframe } from '../../db/tables/market-bars.table';
import { generateSyntheticMarket, MARKET_REGIMES, parseOhlcvCsv, type MarketRegime } from '../../ml';
import { command } from '../command';
import { CliError, ExitCode } from '../exit-codes';
import { intOption, symbolOption, timeframeOption } from './options';

const MINUTES: Record<Timeframe, number> = { '1m': 1, '5m': 5, '15m': 15, '1h': 60, '4h': 240, '1d': 1440 };

export const dataImportCommand = command({
  path: ['data', 'import'],
  summary: 'Import OHLCV bars from a CSV file (idempotent upsert; every bad row reported)',
  usage: '<file.csv> --symbol S --timeframe 1d|1h|5m [--skip-invalid]',
  options: { symbol: { type: 'string' }, timeframe: { type: 'string' }, 'skip-invalid': { type: 'boolean' } },
  details:
    'The header needs `date` or `timestamp`, open, high, low, close, volume; other columns (adjclose, …) are\n' +
    'ignored. A file with bad rows is refused whole unless --skip-invalid, which stores the valid rows and\n' +
    'lists the skipped lines. Re-importing the same file changes nothing.',
  async run(ctx, { positionals, values }) {
    const file = positionals[0];
    if (!file)
      throw new CliError(
        'which file? usage: galfriday data import <file.csv> --symbol S --timeframe 1d',
        ExitCode.USAGE,
      );
    const symbol = symbolOption(values);
    const timeframe = timeframeOption(values);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CliError(
        `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
        ExitCode.NOT_FOUND,
      );
    });
    const { rows, errors } = parseOhlcvCsv(text);
    const errorLines = errors.map((e) => `  line ${e.line}: ${e.reason}`);
    if (errors.length > 0 && !values['skip-invalid']) {
      ctx.print(
        `Refused ${file}: ${errors.length} bad row(s), nothing stored. Fix them or pass --skip-invalid to store the ${rows.length} valid row(s).\n${errorLines.join('\n')}`,
        { stored: 0, errors },
      );
      return ExitCode.REJECTED;
    }
    if (rows.length === 0) throw new CliError(`${file} has no valid rows`, ExitCode.REJECTED);
    const { db } = await ctx.database();
    const result = await upsertBars(
      db,
      symbol,
      timeframe,
      rows.map((r) => ({ ...r, ts: new Date(r.ts) })),
    );
    const first = new Date(rows[0]!.ts).toISOString();
    const last = new Date(rows.at(-1)!.ts).toISOString();
    ctx.print(
      `Stored ${rows.length} bars of ${symbol} ${timeframe} from ${first} to ${last}: ` +
        `${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged.` +
        (errors.length ? `\nSkipped ${errors.length} bad row(s):\n${errorLines.join('\n')}` : ''),
      { symbol, timeframe, stored: rows.length, ...result, from: first, to: last, skipped: errors },
    );
  },
});

export const dataSynthCommand = command({
  path: ['data', 'synth'],
  summary: 'Write a seeded synthetic market with regime switches (for demos and tests)',
  usage: '--symbol S --bars N --seed K [--timeframe 1h] [--start ISO] [--shift-at N --shift-to volatile]',
  options: {
    symbol: { type: 'string' },
    bars: { type: 'string' },
    seed: { type: 'string' },
    timeframe: { type: 'string' },
    start: { type: 'string' },
    'shift-at': { type: 'string' },
    'shift-to': { type: 'string' },
  },
  async run(ctx, { values }) {
    const symbol = symbolOption(values);
    const timeframe = values.timeframe === undefined ? '1h' : timeframeOption(values);
    const bars = intOption(values, 'bars', { min: 1, max: 5_000_000 });
    const seed = intOption(values, 'seed', { min: 0, max: 2 ** 32 - 1 });
    const shiftTo = values['shift-to'] ?? 'volatile';
    if (!MARKET_REGIMES.includes(shiftTo as MarketRegime)) {
      throw new CliError(
        `--shift-to must be one of ${MARKET_REGIMES.join(', ')}, got "${shiftTo}"`,
        ExitCode.USAGE,
      );
    }
    const start = values.start ?? '2024-01-01T00:00:00.000Z';
    if (Number.isNaN(Date.parse(start)))
      throw new CliError(`--start must be an ISO date, got "${start}"`, ExitCode.USAGE);
    const market = generateSyntheticMarket({
      seed,
      bars,
      start: new Date(start).toISOString(),
      intervalMinutes: MINUTES[timeframe],
      ...(values['shift-at'] !== undefined
        ? {
            regimeShift: {
              atBar: intOption(values, 'shift-at', { min: 0, max: bars }),
              regime: shiftTo as MarketRegime,
            },
          }
        : {}),
    });
    const { db } = await ctx.database();
    const result = await upsertBars(
      db,
      symbol,
      timeframe,
      market.bars.map((b) => ({ ...b, ts: new Date(b.ts) })),
    );
    ctx.print(
      `Wrote ${bars} synthetic bars of ${symbol} ${timeframe} (seed ${seed}): ${result.inserted} new, ${result.updated} updated.`,
      {
        symbol,
        timeframe,
        bars,
        seed,
        ...result,
      },
    );
  },
});
