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
});
