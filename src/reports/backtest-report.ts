import type { BacktestReport, StrategyReport } from '../lifecycle/backtest/run-backtest';
import { legend, lineChart, type LineSeries } from './charts';
import {
  badge,
  fmtInt,
  fmtNumber,
  fmtPercent,
  fmtTime,
  html,
  htmlDocument,
  PALETTE,
  raw,
  type RawHtml,
} from './html';

const PROMOTION_COLOUR = '#009e73';
const TRIGGER_COLOUR = '#d55e00';

/** Vertical markers drawn over a chart: promotions and retraining triggers of the policy. */
function markers(
  svg: string,
  events: Array<{ x: number; colour: string; label: string }>,
  domain: [number, number],
  width: number,
  height: number,
): string {
  // The line chart's plot area (its margins: left 58, right 16, top 12, bottom 30).
  const left = 58;
  const plotW = width - 58 - 16;
  const top = 12;
  const plotH = height - 12 - 30;
  const [x0, x1] = domain;
  const lines = events
    .map((e) => {
      const x = Math.round((left + ((e.x - x0) / Math.max(1, x1 - x0)) * plotW) * 10) / 10;
      return `<line x1="${x}" x2="${x}" y1="${top}" y2="${top + plotH}" stroke="${e.colour}" stroke-width="1.2" stroke-dasharray="3 3" opacity="0.8"><title>${e.label.replace(/[<&"]/g, '')}</title></line>`;
    })
    .join('');
  return svg.replace(/<\/svg>$/, `${lines}</svg>`);
}

function strategyRow(s: StrategyReport): RawHtml {
  const c = s.counts;
  const o = s.overall;
  return html`<tr>
    <td><b>${s.name}</b></td>
    <td class="num">${fmtInt(c.retrainingsStarted)}</td>
    <td class="num">${fmtInt(c.gateRejections)}</td>
    <td class="num">${fmtInt(c.experiments)}</td>
    <td class="num">${fmtInt(c.promotions)}</td>
    <td class="num">${fmtInt(c.rollbacks)}</td>
    <td class="num">${fmtInt(c.alarmsLedNowhere)} / ${fmtInt(c.alarms)}</td>
    <td class="num">${fmtNumber(s.incidents.staleDays, 4)}</td>
    <td class="num">${fmtNumber(o.cumulativePnl, 4)}</td>
    <td class="num">${fmtNumber(o.sharpe, 3)}</td>
    <td class="num">${fmtNumber(o.psr, 3)}</td>
    <td class="num">${fmtNumber(o.maxDrawdown, 4)}</td>
    <td class="num">${fmtPercent(o.hitRate)}</td>
    <td class="num">${fmtNumber(o.logLoss, 4)}</td>
    <td class="num">${fmtNumber(o.brier, 4)}</td>
    <td class="num">${fmtInt(s.incidents.count)}</td>
    <td class="num">
      ${s.improvementCycle.medianDays === null ? '—' : fmtNumber(s.improvementCycle.medianDays, 3)}
    </td>
  </tr>`;
}

function perYearTable(report: BacktestReport): RawHtml {
  const years = [...new Set(report.strategies.flatMap((s) => s.perYear.map((y) => y.year)))].sort();
  const cell = (s: StrategyReport, year: number) => s.perYear.find((y) => y.year === year);
  return html`<table>
    <thead>
      <tr>
        <th>year</th>
        ${report.strategies.map(
          (s) =>
            html`<th class="num">${s.name} P&amp;L</th>
              <th class="num">Sharpe</th>
              <th class="num">log loss</th>`,
        )}
      </tr>
    </thead>
    <tbody>
      ${years.map(
        (year) =>
          html`<tr>
            <td>${year}</td>
            ${report.strategies.map((s) => {
              const y = cell(s, year);
              return html`<td class="num">${fmtNumber(y?.cumulativePnl ?? null, 4)}</td>
                <td class="num">${fmtNumber(y?.sharpe ?? null, 3)}</td>
                <td class="num">${fmtNumber(y?.logLoss ?? null, 4)}</td>`;
            })}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/**
 * The backtest as a self-contained HTML page: the per-strategy table, the equity curves of every
 * strategy on one chart, the policy's drifted share over time with its triggers and promotions, the
 * per-year table and the policy's timeline.
 */
export function renderBacktestReport(report: BacktestReport, options: { generatedAt: Date }): string {
  // Years as the x axis: the time axis of the chart kit ticks in days at most, and a backtest spans years.
  const year = (iso: string) => 1970 + Date.parse(iso) / (365.25 * 86_400_000);
  const span = year(report.traded.to) - year(report.traded.from);
  const xFormat = (v: number) =>
    span > 3 ? String(Math.round(v)) : new Date((v - 1970) * 365.25 * 86_400_000).toISOString().slice(0, 10);
  const at = report.equityAt.map(year);
  const domain: [number, number] = [at[0] ?? 0, at.at(-1) ?? 1];
  const series: LineSeries[] = report.strategies.map((s, i) => ({
    name: s.name,
    colour: PALETTE[i % PALETTE.length]!,
    points: s.equity.map((y, k) => ({ x: at[k]!, y })),
  }));
  const policy = report.strategies.find((s) => s.name === 'policy');
  const events = (policy?.timeline ?? [])
    .filter((e) => e.kind === 'promoted' || e.kind === 'retraining-started')
    .map((e) => ({
      x: year(e.at),
      colour: e.kind === 'promoted' ? PROMOTION_COLOUR : TRIGGER_COLOUR,
      label: `${e.at.slice(0, 10)} ${e.detail}`,
    }));
  const width = 1100;
  const equity = lineChart({
    series,
    ariaLabel: 'cumulative P&L of every strategy',
    x: 'linear',
    xFormat,
    width,
    height: 300,
    yLabel: 'cumulative P&L',
    markersUpTo: 0,
  });
  const driftSeries = policy?.drift?.series ?? [];
  const checked = driftSeries.filter((p) => p.status === 'checked');
  // The markers are placed on the drift chart's own x range (the chart spans its points).
  const driftDomain: [number, number] = checked.length
    ? [year(checked[0]!.at), year(checked.at(-1)!.at)]
    : domain;
  const driftChart = markers(
    lineChart({
      series: [
        {
          name: 'drifted share',
          colour: PALETTE[0]!,
          points: checked.map((p) => ({ x: year(p.at), y: p.share })),
        },
      ],
      ariaLabel: 'drifted share of features over time with triggers and promotions',
      x: 'linear',
      xFormat,
      width,
      height: 220,
      yDomain: [0, 1],
      yLabel: 'drifted share',
      refLines: [{ y: report.policy.driftShare, label: `policy share ${report.policy.driftShare}` }],
      markersUpTo: 0,
    }),
    events,
    driftDomain,
    width,
    220,
  );
  const timeline = (policy?.timeline ?? []).filter((e) => e.kind !== 'supervisor').slice(0, 400);
  const initial = report.initialVersion;
  const body = html`<main>
    <h1>Lifecycle backtest — ${report.symbol} ${report.timeframe}</h1>
    <p class="sub">
      ${report.target}, ${report.trainer} · ${fmtInt(report.bars)} bars ${fmtTime(report.from)} →
      ${fmtTime(report.to)} · traded ${fmtInt(report.traded.bars)} bars from ${fmtTime(report.traded.from)} ·
      generated ${fmtTime(options.generatedAt, true)}
    </p>
    <div class="flash ${initial.gatePassed ? 'flash-ok' : 'flash-bad'}">
      First version: trained on ${fmtInt(initial.trainedOn.bars)} bars —
      ${initial.note}${initial.failedChecks.length ? ` (failed: ${initial.failedChecks.join('; ')})` : ''}.
    </div>
    <section class="card">
      <h2>Strategies</h2>
      <div style="overflow-x:auto">
      <table>
        <thead>
          <tr>
            <th>strategy</th>
            <th class="num">retrainings</th>
            <th class="num">gate rejections</th>
            <th class="num">experiments</th>
            <th class="num">promotions</th>
            <th class="num">roll-backs</th>
            <th class="num">alarms led nowhere</th>
            <th class="num">days stale</th>
            <th class="num">cum. P&amp;L</th>
            <th class="num">Sharpe</th>
            <th class="num">PSR</th>
            <th class="num">max DD</th>
            <th class="num">hit rate</th>
            <th class="num">log loss</th>
            <th class="num">Brier</th>
            <th class="num">incidents</th>
            <th class="num">median cycle (days)</th>
          </tr>
        </thead>
        <tbody>
          ${report.strategies.map(strategyRow)}
        </tbody>
      </table>
      <p class="small muted">
        P&amp;L: one unit staked per signal, held one bar, as the engine reports outcomes. Sharpe annualised
        from per-bar P&amp;L; PSR the probability the per-bar Sharpe exceeds 0. Incidents: at least
        ${fmtInt(report.incidentOptions.minBars)} bars with the champion's
        ${fmtInt(report.incidentOptions.rollingBars)}-bar rolling loss above a coin flip's or above a model
        retrained every ${fmtInt(report.incidentOptions.freshEvery)} bars (+${report.incidentOptions.margin});
        cycle: from an incident's start to the promotion that ended it.
      </p>
    </section>
    <section class="card">
      <h2>Equity curves</h2>
      ${raw(legend(series.map((s) => ({ name: s.name, colour: s.colour! }))))} ${raw(equity)}
    </section>
    <section class="card">
      <h2>Drifted share over time (policy)</h2>
      ${raw(
        legend([
          { name: 'drifted share', colour: PALETTE[0]! },
          { name: 'retraining started', colour: TRIGGER_COLOUR },
          { name: 'promotion', colour: PROMOTION_COLOUR },
        ]),
      )}
      ${raw(driftChart)}
      <p class="small muted">
        ${fmtInt(policy?.drift?.checks ?? 0)} checks, ${fmtInt(policy?.drift?.decided ?? 0)} decided,
        ${fmtInt(policy?.drift?.drifted ?? 0)} drifted.
      </p>
    </section>
    <section class="card">
      <h2>Per year</h2>
      ${perYearTable(report)}
    </section>
    <section class="card">
      <h2>Policy timeline</h2>
      <table>
        <thead>
          <tr>
            <th>at</th>
            <th>event</th>
            <th>detail</th>
          </tr>
        </thead>
        <tbody>
          ${timeline.map(
            (e) =>
              html`<tr>
                <td>${e.at.slice(0, 16).replace('T', ' ')}</td>
                <td>
                  ${e.kind === 'promoted' ? badge('promoted', 'ok') : e.kind === 'gate-rejected' ? badge('gate rejected', 'warn') : e.kind}
                </td>
                <td class="small">${e.detail}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <footer>Gal-Friday Intelligence · lifecycle backtest · self-contained file</footer>
  </main>`;
  return htmlDocument({ title: `Backtest — ${report.symbol} ${report.timeframe}`, body });
}
