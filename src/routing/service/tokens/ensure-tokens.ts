import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, type Config } from '../../../config/config';

/**
 * The two bearer tokens of the routing service: the engine token (predict, route, outcomes, signal)
 * and the admin token (`/admin/*`, `/metrics`, the future `/ui`).
 *
 * ### Examples
 * ```ts
 * const tokens: RouterTokens = { engineToken: 'e'.repeat(43), adminToken: 'a'.repeat(43) };
 * ```
 */
export interface RouterTokens {
  readonly engineToken: string;
  readonly adminToken: string;
}

const tokensFileSchema = z.object({
  engineToken: z.string().min(16),
  adminToken: z.string().min(16),
});

/**
 * File name of the generated tokens inside the data directory.
 *
 * ### Examples
 * ```ts
 * path.join(config.dataDir, TOKENS_FILE); // '/app/.galfriday/tokens.json'
 * ```
 */
export const TOKENS_FILE = 'tokens.json';

const generate = (): string => randomBytes(32).toString('base64url');

/**
 * The router's tokens: `GALFRIDAY_ENGINE_TOKEN` / `GALFRIDAY_ADMIN_TOKEN` when set; otherwise the
 * ones kept in `<dataDir>/tokens.json`, generated (32 random bytes each) and written with mode 0600
 * the first time, and reused on every later start so engines keep working across restarts.
 * Throws a ConfigError when both scopes end up with the same token (they would no longer be separate).
 *
 * ### Examples
 * ```ts
 * const tokens = await ensureTokens(loadConfig());
 * // first run: writes .galfriday/tokens.json (0600) and returns its tokens; later runs read it back
 * ```
 */
export async function ensureTokens(
  config: Pick<Config, 'dataDir' | 'engineToken' | 'adminToken'>,
): Promise<RouterTokens> {
  return (await ensureTokensNoting(config)).tokens;
}

/**
 * {@link ensureTokens}, also saying which tokens this call generated: `npm start` prints a token on
 * the console only then, so it does not land in every later start's scrollback and logs.
 *
 * ### Examples
 * ```ts
 * const { tokens, generated } = await ensureTokensNoting(config);
 * if (generated.includes('engineToken')) console.log(`Engine token  ${tokens.engineToken}`);
 * ```
 */
export async function ensureTokensNoting(
  config: Pick<Config, 'dataDir' | 'engineToken' | 'adminToken'>,
): Promise<{ tokens: RouterTokens; generated: ReadonlyArray<keyof RouterTokens> }> {
  let tokens: RouterTokens;
  const generated: Array<keyof RouterTokens> = [];
  if (config.engineToken !== undefined && config.adminToken !== undefined) {
    tokens = { engineToken: config.engineToken, adminToken: config.adminToken };
  } else {
    const stored = await readOrCreateTokensFile(config.dataDir);
    tokens = {
      engineToken: config.engineToken ?? stored.tokens.engineToken,
      adminToken: config.adminToken ?? stored.tokens.adminToken,
    };
    if (stored.created) {
      if (config.engineToken === undefined) generated.push('engineToken');
      if (config.adminToken === undefined) generated.push('adminToken');
    }
  }
  if (tokens.engineToken === tokens.adminToken) {
    throw new ConfigError(
      'GALFRIDAY_ADMIN_TOKEN',
      'a token different from GALFRIDAY_ENGINE_TOKEN (one token for both scopes would defeat them)',
      '<same as the engine token>',
    );
  }
  return { tokens: Object.freeze(tokens), generated: Object.freeze(generated) };
}

async function readOrCreateTokensFile(dataDir: string): Promise<{ tokens: RouterTokens; created: boolean }> {
  const file = path.join(dataDir, TOKENS_FILE);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text !== undefined) {
    let parsed: z.ZodSafeParseResult<RouterTokens>;
    try {
      parsed = tokensFileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = { success: false } as z.ZodSafeParseResult<RouterTokens>;
    }
    if (!parsed.success) {
      throw new ConfigError(
        file,
        'a JSON object { engineToken, adminToken } of strings ≥ 16 characters (delete it to regenerate)',
        text.slice(0, 40),
      );
    }
    // Someone may have copied the file with a looser mode; the tokens grant trading access.
    await chmod(file, 0o600);
    return { tokens: parsed.data, created: false };
  }
  const tokens = { engineToken: generate(), adminToken: generate() };
  await mkdir(dataDir, { recursive: true });
  // Write a private temp file, then hard-link it into place: link fails if the file exists, so two
  // routers starting together agree on one pair of tokens instead of the last writer winning.
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readOrCreateTokensFile(dataDir);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return { tokens, created: true };
}
