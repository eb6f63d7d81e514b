import assert from 'node:assert/strict';
import {
  prepareBacktest,
  runBacktest,
  walkStrategy,
  type BacktestOptions,
  type BacktestReport,
} from '../../../src/lifecycle/backtest/run-backtest';
import { generateSyntheticMarket, type MarketRegime, type OhlcvBar } from '../../../src/ml';
import { SupervisorState } from '../../../src/workflows/supervisor/supervisor-state';

// A fixed infra input: the gate's latency check measures the machine, not the bars, and a loaded
// test machine must not decide a test about the policy.
const INFRA = { loaded: true, p99LatencyMs: 0.1 };

function market(options: {
  seed: number;
  bars: number;
  minutes: number;
  from: MarketRegime;
  shift?: { atBar: number; regime: MarketRegime };
}): OhlcvBar[] {
  return generateSyntheticMarket({
    seed: options.seed,
    bars: options.bars,
    intervalMinutes: options.minutes,
    switchProbability: 0,
    initialRegime: options.from,
    ...(options.shift ? { regimeShift: options.shift } : {}),
  }).bars;
}

const strategy = (report: BacktestReport, name: string) => {
  const s = report.strategies.find((x) => x.name === name);
  assert.ok(s, `no strategy ${name}`);
  return s;
};

describe('lifecycle backtest (synthetic market, in process)', function () {
  this.timeout(300_000);

  describe('a regime change (mean-reverting → trending at bar 1200, hourly)', () => {
    const shiftAt = 1200;
    let report: BacktestReport;
    before(async () => {
      const bars = market({
        seed: 11,
        bars: 2400,
        minutes: 60,
        from: 'mean-reverting',
        shift: { atBar: shiftAt, regime: 'trending' },
      });
      report = await runBacktest(bars, {
        symbol: 'SYN',
        timeframe: '1h',
        initialBars: 400,
        infra: INFRA,
        policy: { retrain: { windowBars: 400 }, experiment: { maxDuration: '400h' } },
        baselines: ['never'],
      });
    });

    it('beats `never` on P&L and on log loss', () => {
      const policy = strategy(report, 'policy');
      const never = strategy(report, 'never');
      assert.ok(
        policy.overall.cumulativePnl > never.overall.cumulativePnl,
        `P&L ${policy.overall.cumulativePnl} vs never ${never.overall.cumulativePnl}`,
      );
      assert.ok(
        policy.overall.logLoss! < never.overall.logLoss!,
        `${policy.overall.logLoss} vs ${never.overall.logLoss}`,
      );
      assert.equal(never.counts.promotions, 0);
      assert.equal(never.counts.retrainingsStarted, 0);
    });

    it('promotes within 300 bars of the change, through an experiment the supervisor started', () => {
      const policy = strategy(report, 'policy');
      const promotions = policy.timeline.filter((e) => e.kind === 'promoted' && e.bar >= shiftAt);
      assert.ok(promotions.length >= 1, JSON.stringify(policy.timeline.slice(-10)));
      assert.ok(
        promotions[0]!.bar - shiftAt <= 300,
        `first promotion ${promotions[0]!.bar - shiftAt} bars after the change`,
      );
      assert.ok(policy.counts.experiments >= 1);
      assert.ok(policy.counts.promotions <= policy.counts.experiments);
      // The promotion ended a degradation incident that started after the change.
      assert.ok(policy.incidents.list.some((i) => i.endedByPromotionAtBar === promotions[0]!.bar));
      assert.ok(policy.improvementCycle.count >= 1);
    });
  });

  it('asks for at most a handful of retrainings in a stationary market, fewer than every:30d', async () => {
    const bars = market({ seed: 5, bars: 1500, minutes: 1440, from: 'mean-reverting' });
    const report = await runBacktest(bars, {
      symbol: 'SYN',
      timeframe: '1d',
      infra: INFRA,
      baselines: ['every:30d'],
    });
    const policy = strategy(report, 'policy');
    const every = strategy(report, 'every:30d');
    assert.ok(policy.counts.retrainingsStarted <= 5, `${policy.counts.retrainingsStarted} retrainings`);
    assert.ok(policy.counts.retrainingsStarted < every.counts.retrainingsStarted);
    assert.ok(every.counts.retrainingsStarted >= 30, `${every.counts.retrainingsStarted}`);
    // Every checked bar was checked: the defaults check drift once a bar.
    assert.equal(policy.drift!.checks, report.traded.bars);
  });

  const small: BacktestOptions = {
    symbol: 'SYN',
    timeframe: '1h',
    initialBars: 300,
    infra: INFRA,
    maxPoints: 100_000,
    policy: { retrain: { windowBars: 300 }, cooldown: '10h' },
    baselines: ['never', 'every:5d'],
  };
  const smallBars = () =>
    market({
      seed: 3,
      bars: 1300,
      minutes: 60,
      from: 'trending',
      shift: { atBar: 700, regime: 'mean-reverting' },
    });

  it('gives identical JSON when a seeded run is repeated', async () => {
    const a = await runBacktest(smallBars(), small);
    const b = await runBacktest(smallBars(), small);
    assert.equal(JSON.stringify(a), JSON.stringify(b));
    assert.ok(a.strategies.every((s) => s.timeline.length > 0 || s.name === 'never'));
  });

  it('does not look ahead: changing every bar from k on changes no decision before k', async () => {
    const bars = smallBars();
    const k = 1000;
    // Another market from bar k on, scaled to continue from bar k − 1's close.
    const other = market({ seed: 99, bars: bars.length - k, minutes: 60, from: 'volatile' });
    const scale = bars[k - 1]!.close / other[0]!.open;
    const perturbed = [
      ...bars.slice(0, k),
      ...other.map((b, i) => ({
        ts: bars[k + i]!.ts,
        open: b.open * scale,
        high: b.high * scale,
        low: b.low * scale,
        close: b.close * scale,
        volume: b.volume,
      })),
    ];
    const a = await runBacktest(bars, small);
    const b = await runBacktest(perturbed, small);
    const before = <T extends { bar: number }>(xs: T[]) => xs.filter((x) => x.bar < k);
    for (let i = 0; i < a.strategies.length; i++) {
      const sa = a.strategies[i]!;
      const sb = b.strategies[i]!;
      assert.deepEqual(before(sb.timeline), before(sa.timeline), `${sa.name}: timeline before bar ${k}`);
      assert.deepEqual(before(sb.drift?.series ?? []), before(sa.drift?.series ?? []), `${sa.name}: drift`);
      // The P&L booked at bar t is read from bar t + 1: equal up to bar k − 2.
      const at = a.equityAt.filter((t) => Date.parse(t) <= new Date(bars[k - 2]!.ts).getTime()).length;
      assert.deepEqual(
        sb.equity.slice(0, at),
        sa.equity.slice(0, at),
        `${sa.name}: equity before bar ${k - 1}`,
      );
    }
    // The perturbation is real: the runs differ after k.
    assert.notEqual(JSON.stringify(a.strategies[0]!.equity), JSON.stringify(b.strategies[0]!.equity));
    // Bar by bar: every prediction served, champion score and signal before k, and every P&L read
    // before k, are the same.
    const pa = await prepareBacktest(bars, small);
    const pb = await prepareBacktest(perturbed, small);
    for (let i = 0; i < pa.strategies.length; i++) {
      const wa = walkStrategy(pa, i);
      const wb = walkStrategy(pb, i);
      const upTo = (xs: ArrayLike<number>, end: number) => Array.from(xs).slice(pa.ctx.startBar, end);
      assert.deepEqual(upTo(wb.served, k), upTo(wa.served, k), `${wa.name}: served before bar ${k}`);
      assert.deepEqual(upTo(wb.champion, k), upTo(wa.champion, k), `${wa.name}: champion scores`);
      assert.deepEqual(upTo(wb.signal, k), upTo(wa.signal, k), `${wa.name}: signals`);
      assert.deepEqual(upTo(wb.pnl, k - 1), upTo(wa.pnl, k - 1), `${wa.name}: P&L`);
      assert.deepEqual(
        wb.decisions.filter((d) => d.at < pa.ctx.market.times[k]!),
        wa.decisions.filter((d) => d.at < pa.ctx.market.times[k]!),
        `${wa.name}: supervisor decisions`,
      );
    }
  });

  it('takes the decisions of the supervisor state machine fed the same checks and job outcomes', async () => {
    const prepared = await prepareBacktest(smallBars(), small);
    const walk = walkStrategy(prepared, 0, { recordSupervisorCalls: true });
    const calls = walk.supervisorCalls!;
    assert.ok(
      calls.some((c) => c.call === 'started'),
      'the run started no retraining',
    );
    // The same calls in the same order as the workflow makes them, on a state of our own.
    const state = SupervisorState.initial(
      prepared.ctx.model,
      prepared.policy,
      prepared.ctx.market.times[prepared.ctx.startBar - 1]! + prepared.ctx.market.barMs,
      1,
      { reconcile: true, jitter: true },
    );
    for (const c of calls) {
      if (c.call === 'recordDriftCheck') state.recordDriftCheck(c.summary);
      else if (c.call === 'nextToStart') state.nextToStart(c.now);
      else if (c.call === 'started') {
        assert.equal(state.takeJobNumber(), c.job.jobNumber);
        state.started(c.job);
      } else state.finished(c.outcome, c.now);
    }
    const tail = state.snapshot().decisions;
    assert.deepEqual(walk.decisions.slice(-tail.length), tail);
    // Every retraining the walk started is one the state machine asked for.
    const requested = walk.decisions.filter((d) => d.kind === 'started').length;
    assert.equal(requested, calls.filter((c) => c.call === 'started').length);
  });
});
