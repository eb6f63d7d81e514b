import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROUTER_ERROR_CODES } from '../../../../../src/routing/service/errors/router-error-codes';
import { RouterError } from '../../../../../src/routing/service/errors/router-error';

// The fastify pattern: the registry and the documented table must list the same codes with the same
// statuses, so a client author can trust docs/routing.md.
describe('router error registry', () => {
  const docs = readFileSync(path.join(__dirname, '../../../../../docs/routing.md'), 'utf8');
  const section = docs.slice(docs.indexOf('## Error codes'));
  const documented = new Map<string, number>();
  for (const match of section.matchAll(/^\|\s*`(ROUTER_ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
    documented.set(match[1]!, Number(match[2]));
  }

  it('documents every registered code with its HTTP status', () => {
    for (const [code, { status }] of Object.entries(ROUTER_ERROR_CODES)) {
      assert.equal(
        documented.get(code),
        status,
        `${code} should be documented as ${status} in docs/routing.md`,
      );
    }
  });

  it('documents no code that the registry does not have', () => {
    const unknown = [...documented.keys()].filter((code) => !(code in ROUTER_ERROR_CODES));
    assert.deepEqual(unknown, []);
  });

  it('answers with the registered status and a body without stack traces', () => {
    const error = new RouterError('ROUTER_ERR_UNKNOWN_MODEL', 'model "x" is not registered', {
      field: 'model',
    });
    assert.equal(error.status, 404);
    assert.deepEqual(error.toBody(), {
      error: { code: 'ROUTER_ERR_UNKNOWN_MODEL', message: 'model "x" is not registered', field: 'model' },
    });
  });
});
