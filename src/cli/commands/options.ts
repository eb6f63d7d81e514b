import type { Timeframe } from '../../db/tables/market-bars.table';
import { parseDuration } from '../../util/duration';
import { CliError, ExitCode } from '../exit-codes';

type Values = Record<string, string | boolean | string[] | undefined>;

export const TIMEFRAMES: readonly Timeframe[] = ['1m', '5m', '15m', '1h', '4h', '1d'];

export function requiredString(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new CliError(`--${name} is required`, ExitCode.USAGE);
  return value;
}

export function symbolOption(values: Values): string {
  const symbol = requiredString(values, 'symbol');
  if (!/^[A-Za-z0-9._/:-]{1,32}$/.test(symbol))
    throw new CliError(
      `--symbol "${symbol}" is not a valid symbol (letters, digits, . _ / : -)`,
      ExitCode.USAGE,
    );
  return symbol;
}

export function timeframeOption(values: Values): Timeframe {
  const timeframe = requiredString(values, 'timeframe');
  if (!TIMEFRAMES.includes(timeframe as Timeframe)) {
    throw new CliError(
      `--timeframe must be one of ${TIMEFRAMES.join(', ')}, got "${timeframe}"`,
      ExitCode.USAGE,
    );
  }
  return timeframe as Timeframe;
}

export function intOption(values: Values, name: string, range: { min: number; max: number }): number {
  const text = requiredString(values, name);
  // Digits only: Number() would also take '1e3', '0x10' or ' 8 '.
  const value = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new CliError(
      `--${name} must be a whole number from ${range.min} to ${range.max}, got "${text}"`,
      ExitCode.USAGE,
    );
  }
  return value;
}

export function dateOption(values: Values, name: string): Date | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const date = typeof text === 'string' ? new Date(text) : new Date(NaN);
  if (Number.isNaN(date.getTime()))
    throw new CliError(
      `--${name} must be a date such as 2024-06-30 or 2024-06-30T12:00Z, got "${String(text)}"`,
      ExitCode.USAGE,
    );
  return date;
}

export function positional(positionals: string[], index: number, what: string, usage: string): string {
  const value = positionals[index];
  if (!value) throw new CliError(`missing ${what}; usage: galfriday ${usage}`, ExitCode.USAGE);
  return value;
}

/**
 * The window and source of a drift check or report: `--source predictions|bars`, `--from/--to` or
 * `--window` (default 24h of predictions, 90d of bars), `--min-samples` (default 30).
 */
export function driftWindowOptions(
  values: Values & { source?: string; window?: string; from?: string; to?: string; 'min-samples'?: string },
): {
  source: 'predictions' | 'bars';
  from: Date;
  to: Date;
  minSamples: number;
} {
  const source = values.source ?? 'predictions';
  if (source !== 'predictions' && source !== 'bars')
    throw new CliError(`--source must be predictions or bars, got "${source}"`, ExitCode.USAGE);
  if (values.window !== undefined && (values.from !== undefined || values.to !== undefined)) {
    throw new CliError('give either --window or --from/--to, not both', ExitCode.USAGE);
  }
  const to = dateOption(values, 'to') ?? new Date();
  let from = dateOption(values, 'from');
  if (!from) {
    const window = values.window ?? (source === 'bars' ? '90d' : '24h');
    try {
      from = new Date(to.getTime() - parseDuration(window));
    } catch (error) {
      throw new CliError(`--window: ${(error as Error).message}`, ExitCode.USAGE);
    }
  }
  if (from >= to) throw new CliError('--from must be before --to', ExitCode.USAGE);
  const minSamples = values['min-samples'] === undefined ? 30 : Number(values['min-samples']);
  if (!Number.isInteger(minSamples) || minSamples < 1)
    throw new CliError('--min-samples must be a positive whole number', ExitCode.USAGE);
  return { source, from, to, minSamples };
}

/**
 * `--host` and `--port` of a command that runs a server in the foreground (`router`, `dashboard`):
 * each undefined when not given; 0 picks a free port.
 */
export function listenOptions(values: Values): { host?: string; port?: number } {
  const host = typeof values.host === 'string' ? values.host : undefined;
  if (host === '') throw new CliError('--host must not be empty', ExitCode.USAGE);
  const port = values.port === undefined ? undefined : intOption(values, 'port', { min: 0, max: 65_535 });
  return { ...(host !== undefined ? { host } : {}), ...(port !== undefined ? { port } : {}) };
}

/**
 * The value of `--name` when it is one of `choices` (undefined when absent), else a usage error
 * listing them: a typed value without a cast.
 *
 * ### Examples
 * ```ts
 * choiceOption({ alias: 'shadow' }, 'alias', ['champion', 'challenger', 'shadow']); // 'shadow'
 * ```
 */
export function choiceOption<T extends string>(
  values: Values,
  name: string,
  choices: readonly T[],
): T | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value))
    throw new CliError(
      `--${name} must be one of ${choices.join(', ')}, got "${String(value)}"`,
      ExitCode.USAGE,
    );
  return value as T;
}
