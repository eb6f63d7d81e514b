import { MlInputError } from '../errors';

/**
 * One OHLCV bar. `ts` is the bar's open time as an ISO-8601 UTC string (or a Date from in-process
 * callers); strings keep bars JSON-safe across Temporal payloads and the database.
 */
export interface OhlcvBar {
  ts: string | Date;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * Milliseconds since the epoch of a bar timestamp, throwing when it does not parse.
 *
 * ### Examples
 * ```ts
 * barTimeMs({ ts: '2024-01-01T00:00:00Z' }); // 1704067200000
 * ```
 */
export function barTimeMs(bar: Pick<OhlcvBar, 'ts'>, argument = 'bar.ts'): number {
  const ms = bar.ts instanceof Date ? bar.ts.getTime() : Date.parse(bar.ts);
  if (!Number.isFinite(ms)) throw new MlInputError(argument, `is not a valid timestamp: ${String(bar.ts)}`);
  return ms;
}

/**
 * The reason a bar is invalid, or undefined when it is valid: prices finite and > 0,
 * low ≤ open, close ≤ high, volume finite and ≥ 0.
 *
 * ### Examples
 * ```ts
 * ohlcvBarProblem({ open: 10, high: 9, low: 8, close: 9, volume: 5 });
 * // 'open 10 is outside [low 8, high 9]'
 * ```
 */
export function ohlcvBarProblem(bar: Omit<OhlcvBar, 'ts'>): string | undefined {
  for (const key of ['open', 'high', 'low', 'close'] as const) {
    const v = bar[key];
    if (!Number.isFinite(v) || v <= 0) return `${key} must be a positive finite number, got ${v}`;
  }
  if (!Number.isFinite(bar.volume)) return `volume must be finite, got ${bar.volume}`;
  if (bar.volume < 0) return `negative volume ${bar.volume}`;
  if (bar.high < bar.low) return `high ${bar.high} is below low ${bar.low}`;
  for (const key of ['open', 'close'] as const) {
    if (bar[key] < bar.low || bar[key] > bar.high) {
      return `${key} ${bar[key]} is outside [low ${bar.low}, high ${bar.high}]`;
    }
  }
  return undefined;
}

/**
 * Throws an MlInputError naming the first invalid bar (see {@link ohlcvBarProblem}) or the first
 * timestamp that is not strictly after its predecessor; returns the bar times in milliseconds.
 *
 * ### Examples
 * ```ts
 * declare const bars: readonly OhlcvBar[];
 * assertValidBars(bars); // [1704067200000, 1704070800000, …]
 * ```
 */
export function assertValidBars(bars: readonly OhlcvBar[], argument = 'bars'): number[] {
  const times: number[] = new Array(bars.length);
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i]!;
    const problem = ohlcvBarProblem(bar);
    if (problem !== undefined) throw new MlInputError(`${argument}[${i}]`, problem);
    times[i] = barTimeMs(bar, `${argument}[${i}].ts`);
    if (i > 0 && times[i]! <= times[i - 1]!) {
      throw new MlInputError(
        `${argument}[${i}].ts`,
        'must be strictly after the previous bar (bars are time-ordered)',
      );
    }
  }
  return times;
}
