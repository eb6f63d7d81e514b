import assert from 'node:assert/strict';
import { createBearerAuth, scopeGrants } from '../../../src/http/bearer-auth';

describe('bearer auth', () => {
  const auth = createBearerAuth({
    engineToken: 'engine-token-0123456789',
    adminToken: 'admin-token-0123456789abcdef',
  });

  it('maps each token to its own scope, the scheme case-insensitively', () => {
    assert.equal(auth.scopeOf('Bearer engine-token-0123456789'), 'engine');
    assert.equal(auth.scopeOf('bearer admin-token-0123456789abcdef'), 'admin');
  });

  it('checks a bare token (the dashboard login form) with the same matcher, for the scopes it was given', () => {
    assert.equal(auth.scopeOfToken('admin-token-0123456789abcdef'), 'admin');
    assert.equal(auth.scopeOfToken('engine-token-0123456789'), 'engine');
    const dashboard = createBearerAuth({
      admin: ['admin-token-0123456789abcdef', 'admin-next-token-0123456789'],
    });
    assert.equal(dashboard.scopeOfToken('admin-next-token-0123456789'), 'admin', 'both tokens of a rotation');
    assert.equal(dashboard.scopeOf('Bearer admin-token-0123456789abcdef'), 'admin');
    for (const token of ['', 'engine-token-0123456789', 'admin-token-0123456789abcde', 'x'.repeat(600)])
      assert.equal(dashboard.scopeOfToken(token), null, token);
    assert.throws(() => createBearerAuth({ admin: [] }), /at least one token/);
  });

  it('knows nothing else: missing header, other schemes, prefixes, extensions, other lengths', () => {
    for (const header of [
      undefined,
      '',
      'Basic engine-token-0123456789',
      'Bearer engine-token-012345678',
      'Bearer engine-token-01234567890',
      'Bearer  engine-token-0123456789',
      'Bearerengine-token-0123456789',
      `Bearer ${'x'.repeat(600)}`,
      'Bearer éngine-token-0123456789',
    ]) {
      assert.equal(auth.scopeOf(header), null, String(header));
    }
  });

  it('takes tokens of any length, and refuses their prefixes and extensions, also past the 64-byte slot', () => {
    const long = createBearerAuth({ engineToken: 'e'.repeat(63), adminToken: `a${'é'.repeat(100)}` });
    assert.equal(long.scopeOf(`Bearer ${'e'.repeat(63)}`), 'engine');
    assert.equal(long.scopeOf(`Bearer a${'é'.repeat(100)}`), 'admin');
    for (const header of [
      `Bearer ${'e'.repeat(62)}`,
      `Bearer ${'e'.repeat(64)}`,
      `Bearer ${'e'.repeat(63)}é`,
      `Bearer a${'é'.repeat(99)}`,
      `Bearer a${'é'.repeat(101)}`,
      // Fills the slot to its last byte with a multi-byte character: truncated copies must not match.
      `Bearer a${'é'.repeat(100)}${'x'.repeat(60)}`,
    ]) {
      assert.equal(long.scopeOf(header), null, header.slice(0, 20));
    }
  });
});

describe('bearer auth: the metrics scope and two tokens per scope', () => {
  const tokens = {
    engineToken: 'engine-token-0123456789',
    adminToken: 'admin-token-0123456789abcdef',
    metricsToken: 'metrics-token-0123456789',
    next: {
      engine: 'engine-next-0123456789',
      admin: 'admin-next-0123456789',
      metrics: 'metrics-next-0123456789',
    },
  };
  const auth = createBearerAuth(tokens);

  it('accepts the current and the next token of each scope', () => {
    assert.equal(auth.scopeOf(`Bearer ${tokens.engineToken}`), 'engine');
    assert.equal(auth.scopeOf(`Bearer ${tokens.next.engine}`), 'engine');
    assert.equal(auth.scopeOf(`Bearer ${tokens.adminToken}`), 'admin');
    assert.equal(auth.scopeOf(`Bearer ${tokens.next.admin}`), 'admin');
    assert.equal(auth.scopeOf(`Bearer ${tokens.metricsToken}`), 'metrics');
    assert.equal(auth.scopeOf(`Bearer ${tokens.next.metrics}`), 'metrics');
  });

  it('refuses a token once it is removed from the configuration', () => {
    const rotated = createBearerAuth({ engineToken: tokens.next.engine, adminToken: tokens.next.admin });
    assert.equal(rotated.scopeOf(`Bearer ${tokens.next.admin}`), 'admin');
    for (const old of [tokens.engineToken, tokens.adminToken, tokens.metricsToken, tokens.next.metrics])
      assert.equal(rotated.scopeOf(`Bearer ${old}`), null, old);
  });

  it('lets the admin token read metrics, and the metrics token nothing else', () => {
    assert.equal(scopeGrants('admin', 'metrics'), true);
    assert.equal(scopeGrants('metrics', 'metrics'), true);
    assert.equal(scopeGrants('metrics', 'admin'), false);
    assert.equal(scopeGrants('metrics', 'engine'), false);
    assert.equal(scopeGrants('engine', 'metrics'), false);
    assert.equal(scopeGrants('admin', 'engine'), false);
  });
});
