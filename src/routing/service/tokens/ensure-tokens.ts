import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, type Config } from '../../../config/config';

/**
 * The bearer tokens of the routing service, one per scope: the engine token (predict, route,
 * outcomes, signal), the admin token (`/admin/*`, the dashboard, and `/metrics`) and the read-only metrics
 * token (`/metrics` only, for Prometheus). During a rotation each scope also accepts its `next`
 * token, so clients can move to the new one before the old one is withdrawn.
 *
 * ### Examples
 * ```ts
 * const tokens: RouterTokens = {
 *   engineToken: 'e'.repeat(43), adminToken: 'a'.repeat(43), metricsToken: 'm'.repeat(43),
 *   next: { admin: 'n'.repeat(43) },
 * };
 * ```
 */
export interface RouterTokens {
  readonly engineToken: string;
  readonly adminToken: string;
  /** Absent: only the admin token reads `/metrics`. */
  readonly metricsToken?: string;
  /** A second accepted token per scope (`GALFRIDAY_<SCOPE>_TOKEN_NEXT`), during a rotation. */
  readonly next?: { readonly engine?: string; readonly admin?: string; readonly metrics?: string };
}

/**
 * A scope a token can hold.
 */
export type TokenScope = 'engine' | 'admin' | 'metrics';

/**
 * The environment variables of each scope's current and next token, for messages and docs.
 */
export const TOKEN_VARIABLES: Readonly<Record<TokenScope, { current: string; next: string }>> = {
  engine: { current: 'GALFRIDAY_ENGINE_TOKEN', next: 'GALFRIDAY_ENGINE_TOKEN_NEXT' },
  admin: { current: 'GALFRIDAY_ADMIN_TOKEN', next: 'GALFRIDAY_ADMIN_TOKEN_NEXT' },
  metrics: { current: 'GALFRIDAY_METRICS_TOKEN', next: 'GALFRIDAY_METRICS_TOKEN_NEXT' },
};

/**
 * Every token each scope accepts: the current one first, then the next one when set.
 *
 * ### Examples
 * ```ts
 * acceptedTokens({ engineToken: 'e…', adminToken: 'a…', next: { admin: 'b…' } });
 * // { engine: ['e…'], admin: ['a…', 'b…'], metrics: [] }
 * ```
 */
export function acceptedTokens(tokens: RouterTokens): Record<TokenScope, string[]> {
  const list = (current: string | undefined, next: string | undefined): string[] =>
    [current, next].filter((t, i, all): t is string => t !== undefined && all.indexOf(t) === i);
  return {
    engine: list(tokens.engineToken, tokens.next?.engine),
    admin: list(tokens.adminToken, tokens.next?.admin),
    metrics: list(tokens.metricsToken, tokens.next?.metrics),
  };
}

const tokensFileSchema = z.object({
  engineToken: z.string().min(16),
  adminToken: z.string().min(16),
  // Files written before the metrics scope existed lack it; one is added on the next start.
  metricsToken: z.string().min(16).optional(),
});
type TokensFile = z.infer<typeof tokensFileSchema>;
type GeneratedToken = keyof TokensFile;
interface StoredTokens {
  readonly tokens: Required<TokensFile>;
  readonly generated: ReadonlyArray<GeneratedToken>;
}

/**
 * File name of the generated tokens inside the data directory.
 */
export const TOKENS_FILE = 'tokens.json';

const generate = (): string => randomBytes(32).toString('base64url');

/**
 * The router's tokens: `GALFRIDAY_ENGINE_TOKEN` / `GALFRIDAY_ADMIN_TOKEN` / `GALFRIDAY_METRICS_TOKEN`
 * when set; otherwise the ones kept in `<dataDir>/tokens.json`, generated (32 random bytes each)
 * and written with mode 0600 the first time, and reused on every later start so engines keep
 * working across restarts. When the engine and admin tokens both come from the environment the
 * file is not used, and without `GALFRIDAY_METRICS_TOKEN` only the admin token reads `/metrics`.
 * `GALFRIDAY_<SCOPE>_TOKEN_NEXT` adds a second accepted token to a scope.
 * Throws a ConfigError when one token would hold two scopes (they would no longer be separate).
 *
 * ### Examples
 * ```ts
 * import { loadConfig } from '../../../config/config';
 * const tokens = await ensureTokens(loadConfig());
 * // first run: writes .galfriday/tokens.json (0600) and returns its tokens; later runs read it back
 * ```
 */
export async function ensureTokens(config: TokenSettings): Promise<RouterTokens> {
  return (await ensureTokensNoting(config)).tokens;
}

type TokenSettings = Pick<Config, 'dataDir' | 'engineToken' | 'adminToken'> &
  Partial<Pick<Config, 'metricsToken' | 'engineTokenNext' | 'adminTokenNext' | 'metricsTokenNext'>>;

/**
 * {@link ensureTokens}, also saying which tokens this call generated: `npm start` prints a token on
 * the console only then, so it does not land in every later start's scrollback and logs.
 *
 * ### Examples
 * ```ts
 * declare const config: TokenSettings;
 * const { tokens, generated } = await ensureTokensNoting(config);
 * if (generated.includes('engineToken')) console.log(`Engine token  ${tokens.engineToken}`);
 * ```
 */
export async function ensureTokensNoting(
  config: TokenSettings,
): Promise<{ tokens: RouterTokens; generated: ReadonlyArray<GeneratedToken> }> {
  const fromEnv = {
    engineToken: config.engineToken,
    adminToken: config.adminToken,
    metricsToken: config.metricsToken,
  };
  // With the engine and admin tokens in the environment (production) no file is written: an unset
  // metrics token then leaves /metrics to the admin token, instead of a per-replica secret nobody knows.
  const file =
    fromEnv.engineToken !== undefined && fromEnv.adminToken !== undefined
      ? undefined
      : await readOrCreateTokensFile(config.dataDir);
  const stored = file?.tokens;
  // A token the file just got counts as generated only when the environment does not override it.
  const generated = (file?.generated ?? []).filter((name) => fromEnv[name] === undefined);
  const next = {
    ...(config.engineTokenNext !== undefined ? { engine: config.engineTokenNext } : {}),
    ...(config.adminTokenNext !== undefined ? { admin: config.adminTokenNext } : {}),
    ...(config.metricsTokenNext !== undefined ? { metrics: config.metricsTokenNext } : {}),
  };
  const tokens: RouterTokens = {
    engineToken: fromEnv.engineToken ?? stored!.engineToken,
    adminToken: fromEnv.adminToken ?? stored!.adminToken,
    ...(fromEnv.metricsToken !== undefined || stored !== undefined
      ? { metricsToken: fromEnv.metricsToken ?? stored!.metricsToken }
      : {}),
    ...(Object.keys(next).length > 0 ? { next: Object.freeze(next) } : {}),
  };
  assertSeparateScopes(tokens);
  return { tokens: Object.freeze(tokens), generated: Object.freeze(generated) };
}

/** Throws a ConfigError naming the variable of a token that another scope also accepts. */
function assertSeparateScopes(tokens: RouterTokens): void {
  const entries: Array<[TokenScope, string, string | undefined]> = [
    ['engine', TOKEN_VARIABLES.engine.current, tokens.engineToken],
    ['engine', TOKEN_VARIABLES.engine.next, tokens.next?.engine],
    ['admin', TOKEN_VARIABLES.admin.current, tokens.adminToken],
    ['admin', TOKEN_VARIABLES.admin.next, tokens.next?.admin],
    ['metrics', TOKEN_VARIABLES.metrics.current, tokens.metricsToken],
    ['metrics', TOKEN_VARIABLES.metrics.next, tokens.next?.metrics],
  ];
  const owner = new Map<string, TokenScope>();
  for (const [scope, variable, token] of entries) {
    if (token === undefined) continue;
    const other = owner.get(token);
    if (other !== undefined && other !== scope) {
      throw new ConfigError(
        variable,
        `a token different from the ${other} token (one token for two scopes would defeat them)`,
        `<same as the ${other} token>`,
      );
    }
    owner.set(token, scope);
  }
}

async function readOrCreateTokensFile(dataDir: string): Promise<StoredTokens> {
  const file = path.join(dataDir, TOKENS_FILE);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text !== undefined) {
    let parsed: z.ZodSafeParseResult<TokensFile>;
    try {
      parsed = tokensFileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = { success: false } as z.ZodSafeParseResult<TokensFile>;
    }
    if (!parsed.success) {
      throw new ConfigError(
        file,
        'a JSON object { engineToken, adminToken, metricsToken } of strings ≥ 16 characters (delete it to regenerate)',
        text.slice(0, 40),
      );
    }
    // Someone may have copied the file with a looser mode; the tokens grant trading access.
    await chmod(file, 0o600);
    if (parsed.data.metricsToken !== undefined) {
      return { tokens: parsed.data as Required<TokensFile>, generated: [] };
    }
    return { tokens: await addMetricsToken(file, parsed.data), generated: ['metricsToken'] };
  }
  const tokens = { engineToken: generate(), adminToken: generate(), metricsToken: generate() };
  await mkdir(dataDir, { recursive: true });
  // Write a private temp file, then hard-link it into place: link fails if the file exists, so two
  // routers starting together agree on one set of tokens instead of the last writer winning.
  const temp = tempName(file);
  await writeFile(temp, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readOrCreateTokensFile(dataDir);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return { tokens, generated: ['engineToken', 'adminToken', 'metricsToken'] };
}

const tempName = (file: string): string => `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;

// A file from before the metrics scope: keep its tokens, add one, replace it atomically. Two
// routers upgrading the same data directory in the same instant may each keep their own metrics
// token until the next start (the engine and admin tokens are never rewritten).
async function addMetricsToken(file: string, stored: TokensFile): Promise<Required<TokensFile>> {
  const tokens = { engineToken: stored.engineToken, adminToken: stored.adminToken, metricsToken: generate() };
  const temp = tempName(file);
  await writeFile(temp, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return tokens;
}
