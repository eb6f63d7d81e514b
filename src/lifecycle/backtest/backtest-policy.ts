import { formatDuration, parseDuration } from '../../util/duration';
import {
  mergePolicyPatch,
  parseSupervisorPolicy,
  type SupervisorPolicy,
} from '../../policies/supervisor-policy';

/** A strategy the backtest compares: the policy, or a baseline. */
export type BaselineSpec = { kind: 'never' } | { kind: 'every'; everyMs: number; text: string };

/**
 * Parses `never` or `every:N` (N a duration of bar time, e.g. `every:30d`, `every:500h`).
 *
 * ### Examples
 * ```ts
 * parseBaseline('every:30d'); // { kind: 'every', everyMs: 2592000000, text: 'every:30d' }
 * ```
 */
export function parseBaseline(text: string): BaselineSpec {
  if (text === 'never') return { kind: 'never' };
  const match = /^every:(.+)$/.exec(text);
  if (match) {
    let everyMs: number;
    try {
      everyMs = parseDuration(match[1]!);
    } catch {
      throw new Error(`baseline "${text}": ${match[1]} is not a duration (use e.g. every:30d)`);
    }
    if (!(everyMs > 0)) throw new Error(`baseline "${text}": the interval must be positive`);
    return { kind: 'every', everyMs, text };
  }
  throw new Error(`baseline "${text}" is not "never" or "every:<duration>" (e.g. every:30d)`);
}

/**
 * The supervisor policy a backtest runs when its policy file leaves a field out. The live defaults
 * are written for hourly bars and wall-clock hours (a 24 h drift window, a 6 h cooldown, a 7 day
 * experiment); over bars of another length they would mean one row per window or an experiment of
 * seven daily bars. So the backtest's defaults are counted in bars: a check every bar over the last
 * 120 bars, a cooldown of 20 bars, an experiment analysed every bar for at most 120 bars. Anything
 * the file sets wins (merged field by field, as `setPolicy` merges a patch).
 */
export function backtestPolicy(barMs: number, patch: unknown): SupervisorPolicy {
  const bars = (n: number) => formatDuration(n * barMs);
  const defaults = parseSupervisorPolicy({
    driftCheckInterval: bars(1),
    driftCheckJitter: 0,
    driftWindow: bars(120),
    minDriftSamples: 100,
    cooldown: bars(20),
    jobTimeout: bars(1000),
    performance: { enabled: true, minOutcomes: 100, alpha: 0.01, method: 'two-sample' },
    experiment: {
      analysisInterval: bars(1),
      analysisPeriod: bars(1),
      maxDuration: bars(120),
    },
  });
  return parseSupervisorPolicy(mergePolicyPatch(defaults, patch ?? {}));
}
