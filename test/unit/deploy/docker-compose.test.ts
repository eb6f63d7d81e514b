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
  expose?: string[];
}

describe('docker-compose.yml', () => {
  const raw = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
  const compose = parse(raw, { merge: true }) as {
    services: Record<string, Service>;
  };
  const appServices = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

  it("runs the worker, the router and the dashboard from this project's Dockerfile", () => {
    assert.deepEqual(appServices.map(([name]) => name).sort(), ['dashboard', 'router', 'worker']);
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

  it('publishes the router on ROUTER_PORT, the dashboard and the Temporal UI on the loopback only, and nothing else', () => {
    const router = compose.services.router!;
    assert.deepEqual(router.ports, [`${router.environment!.ROUTER_PORT}:${router.environment!.ROUTER_PORT}`]);
    assert.ok(configVariables.ROUTER_PORT.schema.safeParse(router.environment!.ROUTER_PORT).success);
    // The UI has no authentication: reachable from the docker host (a tunnel, a proxy), not from the network.
    assert.deepEqual(compose.services['temporal-ui']!.ports, ['127.0.0.1:8233:8080']);
    // The dashboard's experiment controls act on Temporal: operators reach it through a tunnel or a proxy.
    const dashboard = compose.services.dashboard!;
    const dashboardPort = String(dashboard.environment!.DASHBOARD_PORT);
    assert.ok(configVariables.DASHBOARD_PORT.schema.safeParse(dashboardPort).success);
    assert.deepEqual(dashboard.ports, [`127.0.0.1:${dashboardPort}:${dashboardPort}`]);
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'router' || name === 'temporal-ui' || name === 'dashboard') continue;
      // Temporal's 7233 lets anyone reaching it start, signal or terminate workflows; PostgreSQL holds everything.
      assert.equal(service.ports, undefined, `${name} publishes ${JSON.stringify(service.ports)}`);
      assert.equal(service.expose, undefined, `${name} exposes ${JSON.stringify(service.expose)}`);
    }
  });

  it('has no default secrets: compose refuses to start until each is set', () => {
    const interpolations = [...raw.matchAll(/\$\{([A-Z_][A-Z0-9_]*)([^}]*)\}/g)];
    const secrets = interpolations.filter(([, name]) => /PASSWORD|TOKEN|SECRET|_PWD/.test(name!));
    assert.deepEqual([...new Set(secrets.map(([, name]) => name))].sort(), [
      'GALFRIDAY_ADMIN_TOKEN',
      'GALFRIDAY_ENGINE_TOKEN',
      'POSTGRES_PASSWORD',
    ]);
    for (const [text, name, rest] of secrets) {
      assert.ok(rest!.startsWith(':?'), `${text} must require ${name} (\${${name}:?…}), not default it`);
    }
    // Nor a secret written out as a literal value.
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        if (!/PASSWORD|TOKEN|SECRET|_PWD/.test(variable)) continue;
        assert.match(String(value), /^\$\{[A-Z_]+:\?[^}]+\}$/, `${name}.${variable} is ${value}`);
      }
      const url = service.environment?.DATABASE_URL;
      if (url !== undefined) {
        assert.match(
          url,
          /^postgres:\/\/[^:@]+:\$\{POSTGRES_PASSWORD:\?[^}]+\}@/,
          `${name}: DATABASE_URL=${url}`,
        );
      }
    }
    assert.doesNotMatch(raw, /change-me/);
  });
});
