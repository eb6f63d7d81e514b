import { main } from '../../src/cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json<T = unknown>(): T;
}

/**
 * Runs the galfriday CLI in-process with extra environment variables, capturing what it prints.
 * Commands read the environment through loadConfig() only, so overriding process.env for the call
 * gives each run its own configuration without the cost of a process per command.
 */
export async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const saved = { ...process.env };
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  Object.assign(process.env, env);
  process.stdout.write = ((chunk: string | Uint8Array) => (
    out.push(String(chunk)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (
    err.push(String(chunk)),
    true
  )) as typeof process.stderr.write;
  try {
    const code = await main(args);
    const stdout = out.join('');
    return { code, stdout, stderr: err.join(''), json: <T>() => JSON.parse(stdout) as T };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
