import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config';
import { createCliContext } from './cli-context';
import type { Command, OptionSpec, OptionValues } from './command';
import { commands } from './commands';
import { ExitCode, exitCodeOf } from './exit-codes';

const HEADER = `galfriday — keep trading models honest in production: experiments, drift, retraining.

Usage: galfriday <command> [arguments] [--json]

The stack (PostgreSQL, Temporal, worker, router) runs with \`npm start\`; commands find it through
the data directory (GALFRIDAY_DATA_DIR, default ./.galfriday) or use DATABASE_URL / TEMPORAL_ADDRESS.`;

const FOOTER = `Global options:
  --json     machine-readable output on stdout (notes and progress go to stderr)
  --help     help for a command, e.g. \`galfriday models train --help\`

Exit codes: 0 ok, 1 failure, 2 usage or configuration error, 3 not found, 4 refused (bad data,
failed gate), 5 a needed server is unreachable.`;

function commandLine(command: Command): string {
  return [command.path.join(' '), command.usage].filter(Boolean).join(' ');
}

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length)) + 2;
  const lines = commands.map((c) => `  ${c.path.join(' ').padEnd(width)}${c.summary}`);
  return `${HEADER}\n\nCommands:\n${lines.join('\n')}\n\n${FOOTER}\n`;
}

function commandHelp(command: Command): string {
  const options = Object.entries(command.options ?? {}).map(
    ([name, spec]) => `  --${name}${spec.type === 'string' ? ' VALUE' : ''}`,
  );
  return [
    `Usage: galfriday ${commandLine(command)}`,
    '',
    command.summary,
    ...(options.length ? ['', 'Options:', ...options, '  --json'] : []),
    ...(command.details ? ['', command.details] : []),
    '',
  ].join('\n');
}

/** Finds the longest command path that prefixes argv. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  let best: { command: Command; rest: string[] } | undefined;
  for (const command of commands) {
    const n = command.path.length;
    if (argv.length >= n && command.path.every((word, i) => argv[i] === word)) {
      if (!best || n > best.command.path.length) best = { command, rest: argv.slice(n) };
    }
  }
  return best;
}

export async function main(argv: string[]): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  if (argv.length === 0 || ((argv.includes('--help') || argv.includes('-h')) && !findCommand(words))) {
    process.stdout.write(helpText());
    return argv.length === 0 ? ExitCode.USAGE : ExitCode.OK;
  }
  const found = findCommand(argv);
  if (!found) {
    const prefix = commands.filter((c) => c.path[0] === argv[0]).map((c) => `  galfriday ${commandLine(c)}`);
    process.stderr.write(
      prefix.length
        ? `galfriday: unknown ${argv[0]} command; one of:\n${prefix.join('\n')}\n`
        : `galfriday: unknown command "${argv[0]}"; see \`galfriday --help\`\n`,
    );
    return ExitCode.USAGE;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(command));
    return ExitCode.OK;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    process.stderr.write(
      `galfriday ${command.path.join(' ')}: ${(error as Error).message}\nUsage: galfriday ${commandLine(command)}\n`,
    );
    return ExitCode.USAGE;
  }
  const json = parsed.values.json === true;
  let ctx: ReturnType<typeof createCliContext> | undefined;
  try {
    ctx = createCliContext(loadConfig(), json);
    const code = await command.run(ctx, {
      positionals: parsed.positionals,
      // parseArgs ran with this command's own options (strict), so the values have their types.
      values: parsed.values as OptionValues<OptionSpec>,
    });
    return code ?? ExitCode.OK;
  } catch (error) {
    return reportError(command, error, json);
  } finally {
    await ctx?.close();
  }
}

function reportError(command: Command, error: unknown, json: boolean): number {
  const message = error instanceof Error ? error.message : String(error);
  const code = exitCodeOf(error);
  if (json) process.stdout.write(JSON.stringify({ error: message, exitCode: code }) + '\n');
  process.stderr.write(`galfriday ${command.path.join(' ')}: ${message}\n`);
  if (code === ExitCode.FAILURE && process.env.GALFRIDAY_DEBUG && error instanceof Error)
    process.stderr.write(`${error.stack}\n`);
  return code;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`galfriday: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(ExitCode.FAILURE);
    },
  );
}
