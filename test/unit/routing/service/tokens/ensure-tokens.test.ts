import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../../../src/config/config';
import {
  acceptedTokens,
  ensureTokens,
  ensureTokensNoting,
  TOKENS_FILE,
} from '../../../../../src/routing/service/tokens/ensure-tokens';

describe('router tokens', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'tokens-')), 'data');
  });
  afterEach(() => rm(path.dirname(dataDir), { recursive: true, force: true }));

  it('generates the three tokens once, keeps them in tokens.json with mode 0600, and reuses them', async () => {
    const first = await ensureTokens({ dataDir, engineToken: undefined, adminToken: undefined });
    assert.match(first.engineToken, /^[A-Za-z0-9_-]{43}$/);
    assert.match(first.metricsToken!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(new Set([first.engineToken, first.adminToken, first.metricsToken]).size, 3);
    const file = path.join(dataDir, TOKENS_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { ...first });
    assert.deepEqual(await ensureTokens({ dataDir, engineToken: undefined, adminToken: undefined }), first);
  });

  it('says which tokens it generated: all three on the first start, none later, never one from the environment', async () => {
    const first = await ensureTokensNoting({ dataDir, engineToken: undefined, adminToken: undefined });
    assert.deepEqual([...first.generated].sort(), ['adminToken', 'engineToken', 'metricsToken']);
    const again = await ensureTokensNoting({ dataDir, engineToken: undefined, adminToken: undefined });
    assert.deepEqual(again.generated, []);
    assert.deepEqual(again.tokens, first.tokens);
    const otherDir = `${dataDir}-env`;
    const fromEnv = await ensureTokensNoting({
      dataDir: otherDir,
      engineToken: 'e'.repeat(43),
      adminToken: undefined,
    });
    assert.deepEqual([...fromEnv.generated].sort(), ['adminToken', 'metricsToken']);
    assert.equal(fromEnv.tokens.engineToken, 'e'.repeat(43));
  });

  it('agrees on one pair when several routers start at once', async () => {
    const all = await Promise.all(
      Array.from({ length: 5 }, () =>
        ensureTokens({ dataDir, engineToken: undefined, adminToken: undefined }),
      ),
    );
    for (const tokens of all) assert.deepEqual(tokens, all[0]);
  });

  it('prefers the environment, per token, and tightens a loosened file mode', async () => {
    const stored = await ensureTokens({ dataDir, engineToken: undefined, adminToken: undefined });
    await chmod(path.join(dataDir, TOKENS_FILE), 0o644);
    const mixed = await ensureTokens({
      dataDir,
      engineToken: 'engine-from-env-0123456789',
      adminToken: undefined,
    });
    assert.deepEqual(mixed, {
      engineToken: 'engine-from-env-0123456789',
      adminToken: stored.adminToken,
      metricsToken: stored.metricsToken,
    });
    assert.equal((await stat(path.join(dataDir, TOKENS_FILE))).mode & 0o777, 0o600);
  });

  it('refuses one token for both scopes, and a corrupt file, naming what is wrong', async () => {
    await assert.rejects(
      ensureTokens({ dataDir, engineToken: 'same-token-0123456789', adminToken: 'same-token-0123456789' }),
      (e: unknown) => e instanceof ConfigError && e.variable === 'GALFRIDAY_ADMIN_TOKEN',
    );
    await ensureTokens({ dataDir, engineToken: undefined, adminToken: undefined });
    await writeFile(path.join(dataDir, TOKENS_FILE), '{"engineToken":"short"}');
    await assert.rejects(
      ensureTokens({ dataDir, engineToken: undefined, adminToken: undefined }),
      /tokens\.json: expected a JSON object/,
    );
  });

  it('adds a metrics token to a file written before the metrics scope, keeping the other two', async () => {
    const file = path.join(dataDir, TOKENS_FILE);
    await ensureTokens({ dataDir, engineToken: undefined, adminToken: undefined });
    const old = { engineToken: 'old-engine-0123456789', adminToken: 'old-admin-0123456789' };
    await writeFile(file, JSON.stringify(old));
    const upgraded = await ensureTokens({ dataDir, engineToken: undefined, adminToken: undefined });
    assert.equal(upgraded.engineToken, old.engineToken);
    assert.equal(upgraded.adminToken, old.adminToken);
    assert.match(upgraded.metricsToken!, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { ...upgraded });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(
      await ensureTokens({ dataDir, engineToken: undefined, adminToken: undefined }),
      upgraded,
    );
  });

  it('takes a next token per scope from the environment, and refuses one token in two scopes', async () => {
    const tokens = await ensureTokens({
      dataDir,
      engineToken: 'engine-from-env-0123456789',
      adminToken: 'admin-from-env-0123456789',
      metricsToken: 'metrics-from-env-0123456789',
      adminTokenNext: 'admin-next-0123456789',
      metricsTokenNext: 'metrics-next-0123456789',
      engineTokenNext: undefined,
    });
    assert.deepEqual(tokens.next, { admin: 'admin-next-0123456789', metrics: 'metrics-next-0123456789' });
    await assert.rejects(
      ensureTokens({
        dataDir,
        engineToken: 'engine-from-env-0123456789',
        adminToken: 'admin-from-env-0123456789',
        metricsToken: 'metrics-from-env-0123456789',
        adminTokenNext: 'engine-from-env-0123456789',
      }),
      (e: unknown) => e instanceof ConfigError && e.variable === 'GALFRIDAY_ADMIN_TOKEN_NEXT',
    );
    await assert.rejects(
      ensureTokens({
        dataDir,
        engineToken: 'engine-from-env-0123456789',
        adminToken: 'admin-from-env-0123456789',
        metricsToken: 'admin-from-env-0123456789',
      }),
      (e: unknown) => e instanceof ConfigError && e.variable === 'GALFRIDAY_METRICS_TOKEN',
    );
    // The same token as current and next of one scope is only one token.
    const same = await ensureTokens({
      dataDir,
      engineToken: 'engine-from-env-0123456789',
      adminToken: 'admin-from-env-0123456789',
      metricsToken: 'metrics-from-env-0123456789',
      adminTokenNext: 'admin-from-env-0123456789',
    });
    assert.deepEqual(acceptedTokens(same).admin, ['admin-from-env-0123456789']);
  });

  it('writes no file when the engine and admin tokens come from the environment', async () => {
    const tokens = await ensureTokens({
      dataDir,
      engineToken: 'engine-from-env-0123456789',
      adminToken: 'admin-from-env-0123456789',
    });
    assert.equal(tokens.metricsToken, undefined, 'only the admin token reads /metrics then');
    await assert.rejects(stat(path.join(dataDir, TOKENS_FILE)), { code: 'ENOENT' });
    const withMetrics = await ensureTokens({
      dataDir,
      engineToken: 'engine-from-env-0123456789',
      adminToken: 'admin-from-env-0123456789',
      metricsToken: 'metrics-from-env-0123456789',
    });
    assert.equal(withMetrics.metricsToken, 'metrics-from-env-0123456789');
  });
});
