import assert from 'node:assert/strict';
import type { RouterAlertInput } from '../../../../../src/db/repositories/routing-alert.repository';
import { brokenVersionAlert } from '../../../../../src/routing/service/alerts/broken-version-alert';
import { ConfigProblemAlerts } from '../../../../../src/routing/service/alerts/config-problem-alerts';
import { DroppedRowsAlerts } from '../../../../../src/routing/service/alerts/dropped-rows-alerts';
import type { ModelRoute, RoutingSnapshot } from '../../../../../src/routing/service/config/routing-snapshot';
import type { VersionLoadSpec } from '../../../../../src/routing/service/inference/model-session-cache';

const spec = (versionId: string, version: number): VersionLoadSpec => ({
  versionId,
  modelId: '1',
  modelName: 'btc-1h',
  version,
  schema: { version: 1, names: ['a'] },
  task: 'classification',
});
const ref = (versionId: string, version: number) => ({ versionId, version, spec: spec(versionId, version) });

/** A snapshot with one model; only the fields the alert reads are filled in. */
function snapshotWith(route: Partial<ModelRoute>): RoutingSnapshot {
  const model = {
    modelId: '1',
    name: 'btc-1h',
    champion: null,
    challenger: null,
    shadow: null,
    experiment: null,
    ...route,
  };
  return { loadedAt: 0, models: new Map([['btc-1h', model as ModelRoute]]), versions: [], problems: [] };
}
const arms = (...list: Array<[string, string, number]>) =>
  ({
    arms: list.map(([variant, id, v]) => ({ variant, version: ref(id, v) })),
  }) as unknown as ModelRoute['experiment'];

describe('router alert texts and rate limits', () => {
  it('describes a broken version by the role it has, never claiming a fallback that does not happen', () => {
    const message = (s: RoutingSnapshot | null, id = '12', v = 2) =>
      brokenVersionAlert(spec(id, v), 'load', new Error('bad bytes'), s).message;
    assert.equal(
      message(snapshotWith({ champion: ref('12', 2) })),
      'version 2 of "btc-1h" failed to load; it is the champion: requests it serves fail with 503 (there is no other version to fall back to)',
    );
    assert.equal(
      message(
        snapshotWith({
          champion: ref('11', 1),
          experiment: arms(['control', '11', 1], ['treatment', '12', 2]),
        }),
      ),
      'version 2 of "btc-1h" failed to load; requests routed to it are served by the champion (version 1) instead (it is experiment arm "treatment")',
    );
    assert.match(
      message(snapshotWith({ experiment: arms(['treatment', '12', 2]) })),
      /requests routed to it fail with 503: the model has no champion to fall back to \(it is experiment arm "treatment"\)$/,
    );
    assert.match(
      message(snapshotWith({ champion: ref('12', 2), experiment: arms(['control', '12', 2]) })),
      /it is the champion and experiment arm "control": requests it serves fail with 503/,
    );
    assert.match(
      message(snapshotWith({ champion: ref('11', 1), shadow: ref('12', 2) })),
      /it is the shadow: its shadow scores are not recorded; responses are not affected$/,
    );
    assert.match(
      message(snapshotWith({ challenger: ref('12', 2) })),
      /it is the challenger and serves no traffic yet/,
    );
    assert.match(message(null), /no request is routed to it/);
    for (const s of [snapshotWith({ champion: ref('12', 2) }), snapshotWith({ shadow: ref('12', 2) })])
      assert.doesNotMatch(message(s), /served by the champion/);
  });

  it('raises configuration problems when they appear, not on every reload', () => {
    const raised: RouterAlertInput[] = [];
    const problems = new ConfigProblemAlerts({ raise: (a) => raised.push(a) });
    const p = {
      kind: 'experiment_misconfigured' as const,
      modelId: '1',
      experimentId: 'e1',
      message: 'weights',
    };
    problems.report([p]);
    problems.report([p]);
    assert.equal(raised.length, 1);
    problems.report([]);
    problems.report([p]);
    assert.equal(raised.length, 2, 'fixed, then back: a new alert');
    assert.equal(raised[1]!.dedupeKey, 'router:experiment_misconfigured:e1');
  });

  it('alerts on the first dropped rows at once, then at most once per period with the count since', () => {
    let now = 1_000_000;
    const raised: RouterAlertInput[] = [];
    const dropped = new DroppedRowsAlerts({
      alerts: { raise: (a) => raised.push(a) },
      log: 'predictions',
      intervalMs: 60_000,
      instance: 'r1',
      now: () => now,
    });
    try {
      dropped.note('overflow', 5);
      assert.equal(raised.length, 1);
      assert.deepEqual(raised[0]!.details, {
        log: 'predictions',
        instance: 'r1',
        overflow: 5,
        rejected: 0,
        since: new Date(1_000_000).toISOString(),
      });
      now += 10_000;
      dropped.note('overflow', 7);
      now += 10_000;
      dropped.note('rejected', 2);
      dropped.flushDue();
      assert.equal(raised.length, 1, 'rate-limited within the period');
      now += 40_000;
      dropped.flushDue();
      assert.equal(raised.length, 2);
      const second = raised[1]!;
      assert.match(
        second.message,
        /^router r1 dropped 9 predictions rows since .*: 7 because the buffer was full .*, 2 refused by PostgreSQL/,
      );
      assert.deepEqual(
        [
          (second.details as { overflow: number }).overflow,
          (second.details as { rejected: number }).rejected,
        ],
        [7, 2],
      );
      assert.notEqual(
        second.dedupeKey,
        raised[0]!.dedupeKey,
        'each alert is its own row, even while the first is open',
      );
      now += 1_000;
      dropped.flushDue();
      assert.equal(raised.length, 2, 'nothing new to report');
      now += 120_000;
      dropped.note('overflow', 1);
      assert.equal(raised.length, 3, 'after a quiet period the first drop alerts at once');
    } finally {
      dropped.stop();
    }
  });
});
