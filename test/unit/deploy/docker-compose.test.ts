import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configVariables } from '../../../src/config/config';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface Service {
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };
  const appServices = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

  it("runs the worker and the router from this project's Dockerfile", () => {
    assert.deepEqual(appServices.map(([name]) => name).sort(), ['router', 'worker']);
    assert.ok(existsSync(path.join(ROOT, 'Dockerfile')));
  });

  it('gives the app containers only variables that the config schema knows', () => {
    for (const [name, service] of appServices) {
      for (const variable of Object.keys(service.environment ?? {})) {
        assert.ok(variable in configVariables, `${name} sets ${variable}, which src/config does not read`);
      }
      assert.ok(service.environment?.DATABASE_URL?.startsWith('postgres://'), `${name} needs DATABASE_URL`);
      assert.equal(service.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
    }
  });

  it('starts entry points that exist in the sources', () => {
    for (const [name, service] of appServices) {
      const entry = service.command?.[1];
      assert.ok(entry?.startsWith('dist/'), `${name} runs ${entry}`);
      const source = path.join(ROOT, 'src', entry!.slice('dist/'.length).replace(/\.js$/, '.ts'));
      assert.ok(existsSync(source), `${name} runs ${entry} but ${source} does not exist`);
    }
  });

  it('publishes the router on ROUTER_PORT and the Temporal UI on 8233', () => {
    const router = compose.services.router!;
    assert.deepEqual(router.ports, [`${router.environment!.ROUTER_PORT}:${router.environment!.ROUTER_PORT}`]);
    assert.ok(configVariables.ROUTER_PORT.schema.safeParse(router.environment!.ROUTER_PORT).success);
    assert.deepEqual(compose.services['temporal-ui']!.ports, ['8233:8080']);
  });
});
