import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../../src/config/config';
import { ensureTimeSkippingServer } from '../../src/temporal/time-skipping-server';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/shared';
import { installTemporalRuntime } from '../../src/workers/runtime';
import { refuseServersInUnitRun } from './test-stack';

/**
 * Temporal's time-skipping test server (Java, from Maven Central; built into the cache by
 * `npm run setup -- --test-server`): days of timers pass in seconds. For cooldowns, schedules and
 * timeouts; updates and integration tests use the real dev server instead.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  refuseServersInUnitRun("Temporal's time-skipping test server");
  installTemporalRuntime('WARN');
  const path = await ensureTimeSkippingServer(loadConfig({}).cacheDir, (line) => console.log(line));
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
  // The workflows set the project's search attributes; unlike the dev server, this one is started bare.
  const { temporal } = await import('@temporalio/proto');
  const types = {
    Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  };
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, types[type]]),
    ),
  });
  return env;
}
