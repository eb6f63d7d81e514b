import type { CliContext } from './cli-context';

/**
 * One option as `parseArgs` takes it (node:util does not export its own name for this, which the
 * declaration build needs).
 */
export interface OptionConfig {
  type: 'string' | 'boolean';
  multiple?: boolean | undefined;
  short?: string | undefined;
  default?: string | boolean | string[] | boolean[] | undefined;
}

/** The options of a command, as `parseArgs` takes them. */
export type OptionSpec = Record<string, OptionConfig>;

type OptionValue<S> = S extends { type: 'boolean' }
  ? S extends { multiple: true }
    ? boolean[]
    : boolean
  : S extends { type: 'string' }
    ? S extends { multiple: true }
      ? string[]
      : string
    : string | boolean | string[] | boolean[];

/**
 * What `parseArgs` gives for these options: each one absent (undefined) or of its declared type,
 * and the global `--json` flag.
 *
 * ### Examples
 * ```ts
 * type V = OptionValues<{ reason: { type: 'string' } }>; // { reason?: string; json?: boolean }
 * ```
 */
export type OptionValues<O extends OptionSpec> = { [K in keyof O]?: OptionValue<O[K]> } & { json?: boolean };

/**
 * One CLI verb. `path` is what the user types after `galfriday`, e.g. ['models', 'list']; `run`
 * gets the option values typed from `options` (see {@link command}).
 */
export interface Command<O extends OptionSpec = OptionSpec> {
  path: string[];
  summary: string;
  /** Positional arguments and options as shown in help, e.g. '<model> [--reason TEXT]'. */
  usage: string;
  options?: O;
  /** Extra lines of help (examples, notes). */
  details?: string;
  run(ctx: CliContext, args: { positionals: string[]; values: OptionValues<O> }): Promise<number | void>;
}

/**
 * Declares a command, inferring its option types from `options` so `run` reads `values.reason`
 * as `string | undefined` without a cast.
 *
 * ### Examples
 * ```ts
 * const stopCommand = command({
 *   path: ['experiments', 'stop'], summary: 'Stop an experiment', usage: '<id> [--reason TEXT]',
 *   options: { reason: { type: 'string' } },
 *   async run(ctx, { values }) { values.reason; }, // string | undefined
 * });
 * ```
 */
export function command<const O extends OptionSpec = Record<never, never>>(
  definition: Command<O>,
): Command<O> {
  return definition;
}
