import type { ParseArgsConfig } from 'node:util';
import type { CliContext } from './cli-context';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** One CLI verb. `path` is what the user types after `galfriday`, e.g. ['models', 'list']. */
export interface Command {
  path: string[];
  summary: string;
  /** Positional arguments and options as shown in help, e.g. '<model> [--reason TEXT]'. */
  usage: string;
  options?: OptionSpec;
  /** Extra lines of help (examples, notes). */
  details?: string;
  run(
    ctx: CliContext,
    args: { positionals: string[]; values: Record<string, string | boolean | string[] | undefined> },
  ): Promise<number | void>;
}
