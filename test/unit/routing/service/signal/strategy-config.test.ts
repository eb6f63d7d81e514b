import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  loadStrategiesFile,
  parseStrategies,
  StrategyConfigError,
} from '../../../../../src/routing/service/signal/strategy-config';

const messageOf = (input: unknown): string => {
  try {
    parseStrategies(input, 'strategies.json');
  } catch (e) {
    assert.ok(e instanceof StrategyConfigError);
    return e.message;
  }
  assert.fail('expected a StrategyConfigError');
};

describe('strategy configuration', () => {
  it('fills the seed’s defaults: MARKET, offset 0.0001, reward-to-risk 1, no rules', () => {
    const s = parseStrategies({
      strategies: [
        { id: 'a', interpretation: 'prob_up', buyThreshold: 0.6, sellThreshold: 0.4, takeProfitPct: 0.03 },
      ],
    }).get('a')!;
    assert.equal(s.entryType, 'MARKET');
    assert.equal(s.limitOffsetPct, 0.0001);
    assert.equal(s.rewardToRiskRatio, 1);
    assert.deepEqual(s.confirmationRules, []);
    const change = parseStrategies({
      strategies: [{ id: 'c', interpretation: 'price_change_pct', stopLossPct: 0.01 }],
    }).get('c')!;
    assert.equal(change.interpretation === 'price_change_pct' && change.buyThresholdPct, 0.01);
    assert.equal(change.interpretation === 'price_change_pct' && change.sellThresholdPct, -0.01);
  });

  it('names the field of every configuration error', () => {
    assert.match(
      messageOf({
        strategies: [
          { id: 'a', interpretation: 'prob_up', buyThreshold: 0.3, sellThreshold: 0.6, stopLossPct: 0.02 },
        ],
      }),
      /strategies\[0\]\.buyThreshold: must be greater than sellThreshold/,
    );
    assert.match(
      messageOf({
        strategies: [{ id: 'a', interpretation: 'prob_up', buyThreshold: 0.6, sellThreshold: 0.4 }],
      }),
      /strategies\[0\]\.stopLossPct: stopLossPct or takeProfitPct/,
    );
    assert.match(
      messageOf({
        strategies: [{ id: 'a', interpretation: 'prob_down', probabilityThreshold: 0.5, stopLossPct: 0.02 }],
      }),
      /strategies\[0\]\.probabilityThreshold: must be > 0\.5/,
    );
    assert.match(
      messageOf({
        strategies: [
          { id: 'a', interpretation: 'prob_up', buyThreshold: 0.6, sellThreshold: 0.4, stopLossPct: 1.5 },
        ],
      }),
      /strategies\[0\]\.stopLossPct/,
    );
    assert.match(messageOf({ strategies: [] }), /strategies: /);
  });

  it('requires an interpretation (the seed’s default "directional" never validated)', () => {
    assert.match(
      messageOf({ strategies: [{ id: 'a', buyThreshold: 0.6, sellThreshold: 0.4, stopLossPct: 0.02 }] }),
      /strategies\[0\]\.interpretation/,
    );
    assert.match(
      messageOf({ strategies: [{ id: 'a', interpretation: 'directional', stopLossPct: 0.02 }] }),
      /strategies\[0\]\.interpretation/,
    );
  });

  it('refuses thresholds an interpretation does not use, and unknown keys', () => {
    assert.match(
      messageOf({
        strategies: [
          {
            id: 'a',
            interpretation: 'prob_down',
            probabilityThreshold: 0.65,
            sellThreshold: 0.3,
            stopLossPct: 0.02,
          },
        ],
      }),
      /sellThreshold/,
    );
    assert.match(
      messageOf({
        strategies: [
          {
            id: 'a',
            interpretation: 'prob_up',
            buyThreshold: 0.6,
            sellThreshold: 0.4,
            stopLossPct: 0.02,
            stop_loss_to_take_profit_ratio: 2,
          },
        ],
      }),
      /stop_loss_to_take_profit_ratio/,
    );
  });

  it('refuses duplicate ids', () => {
    const s = { interpretation: 'prob_up', buyThreshold: 0.6, sellThreshold: 0.4, stopLossPct: 0.02 };
    assert.match(
      messageOf({
        strategies: [
          { id: 'a', ...s },
          { id: 'a', ...s },
        ],
      }),
      /strategies\[1\]\.id: duplicate id "a"/,
    );
  });

  it('reads a strategies file; a missing file means no strategies, a broken one names the file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strategies-'));
    try {
      assert.equal((await loadStrategiesFile(path.join(dir, 'none.json'))).size, 0);
      const file = path.join(dir, 'strategies.json');
      await writeFile(
        file,
        JSON.stringify({
          strategies: [
            { id: 'x', interpretation: 'prob_up', buyThreshold: 0.6, sellThreshold: 0.4, stopLossPct: 0.02 },
          ],
        }),
      );
      assert.deepEqual([...(await loadStrategiesFile(file)).keys()], ['x']);
      await writeFile(file, '{ not json');
      await assert.rejects(
        loadStrategiesFile(file),
        (e: unknown) =>
          e instanceof StrategyConfigError && e.message.startsWith(`${file}: (file): not valid JSON`),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
