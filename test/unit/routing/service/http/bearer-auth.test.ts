import assert from 'node:assert/strict';
import { createBearerAuth } from '../../../../../src/routing/service/http/bearer-auth';

describe('bearer auth', () => {
  const auth = createBearerAuth({
    engineToken: 'engine-token-0123456789',
    adminToken: 'admin-token-0123456789abcdef',
  });

  it('maps each token to its own scope, the scheme case-insensitively', () => {
    assert.equal(auth.scopeOf('Bearer engine-token-0123456789'), 'engine');
    assert.equal(auth.scopeOf('bearer admin-token-0123456789abcdef'), 'admin');
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
