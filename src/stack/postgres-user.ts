import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The unprivileged account PostgreSQL runs as when we are root (PostgreSQL refuses to run as root). */
export interface PostgresUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const NAME = 'postgres';

async function lookUp(): Promise<PostgresUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', NAME]), run('id', ['-g', NAME])]);
    return { name: NAME, uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}

/** The `postgres` user, created as a system account (no home, no login) when the machine has none. */
export async function ensurePostgresUser(): Promise<PostgresUser> {
  const existing = await lookUp();
  if (existing) return existing;
  try {
    // The group may exist without the user (a half-cleaned image); useradd then only needs it.
    await run('groupadd', ['--system', NAME]).catch(() => undefined);
    await run('useradd', [
      '--system',
      '--gid',
      NAME,
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      NAME,
    ]);
  } catch (error) {
    const reason = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(
      `as root, PostgreSQL must run as a "${NAME}" user, which this machine lacks and useradd could not create (${reason.split('\n')[0]}); ` +
        `create one (useradd --system ${NAME}), run as a user other than root, or set DATABASE_URL to a server`,
    );
  }
  const created = await lookUp();
  if (!created) throw new Error(`useradd reported success but "id ${NAME}" still finds no such user`);
  return created;
}
