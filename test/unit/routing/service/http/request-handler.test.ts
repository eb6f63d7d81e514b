import assert from 'node:assert/strict';
import { inject } from 'light-my-request';
import { z } from 'zod';
import { createBearerAuth } from '../../../../../src/http/bearer-auth';
import { createRequestHandler } from '../../../../../src/routing/service/http/request-handler';
import type { RouteDefinition } from '../../../../../src/routing/service/http/route-definition';
import { createRouterLogger } from '../../../../../src/routing/service/observability/router-logger';
import { createRouterMetrics } from '../../../../../src/routing/service/observability/router-metrics';

const ENGINE = 'engine-token-for-the-handler-test';
const ADMIN = 'admin-token-for-the-handler-test';

// A handler that fails with an ordinary Error, whose message and stack would tell a client about the
// code and the machine: the client must get a generic 500, the log must get the details.
describe('request handler: an unexpected error', () => {
  const logged: string[] = [];
  let handler: ReturnType<typeof createRequestHandler>;

  before(async () => {
    const failing: RouteDefinition<{ n: number }> = {
      method: 'POST',
      path: '/v1/fail',
      name: 'fail',
      scope: 'engine',
      summary: 'fails',
      requestSchema: z.object({ n: z.number() }),
      responseSchema: z.object({}),
      successStatus: 200,
      errors: [],
      handle: ({ n }) => {
        if (n === 1) throw new Error('connection to 10.0.0.7:5432 lost in /srv/app/src/secret.ts:12');
        return Promise.reject(new TypeError('cannot read properties of undefined (reading "weights")'));
      },
    };
    handler = createRequestHandler({
      routes: [failing as unknown as RouteDefinition<never>],
      auth: createBearerAuth({ engineToken: ENGINE, adminToken: ADMIN }),
      metrics: createRouterMetrics(),
      logger: createRouterLogger('error', (line) => logged.push(line)),
    });
  });

  it('answers a generic 500 without message, stack or path, whether thrown or rejected, and logs the details', async () => {
    for (const n of [1, 2]) {
      // In-process: the node:http listener gets a request and a response object, no socket.
      const response = await inject(handler, {
        method: 'POST',
        url: '/v1/fail',
        headers: { authorization: `Bearer ${ENGINE}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ n }),
      });
      assert.equal(response.statusCode, 500);
      const text = response.body;
      assert.deepEqual(JSON.parse(text), {
        error: { code: 'ROUTER_ERR_INTERNAL', message: 'internal error; see the router log' },
      });
      assert.doesNotMatch(text, /10\.0\.0\.7|secret\.ts|weights|at \w+ \(|\.ts:\d+/);
    }
    assert.equal(logged.length, 2);
    assert.match(logged[0]!, /connection to 10\.0\.0\.7:5432 lost/);
    assert.match(logged[1]!, /reading \\"weights\\"/);
  });
});
