/**
 * HTML building blocks shared by the self-contained reports and the operator dashboard: escaping,
 * number and date formatting, the inline stylesheet and the page shell. Nothing here loads anything
 * from outside the page (no fonts, scripts, images or stylesheets by URL).
 */

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A tagged template that escapes every interpolated value unless it is {@link raw} HTML. */
export class RawHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

export const raw = (html: string): RawHtml => new RawHtml(html);

type Interpolated = RawHtml | string | number | boolean | null | undefined | Interpolated[];

function render(value: Interpolated): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof RawHtml) return value.html;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value);
}

/** `html\`<td>${name}</td>\`` escapes `name`; nested `html` results and arrays of them pass through. */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): RawHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new RawHtml(out);
}

/** A number for people: fixed digits for ordinary magnitudes, exponent for tiny or huge ones. */
export function fmtNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 10 ** -digits || abs >= 1e7) return value.toExponential(2);
  return Number(value.toFixed(digits)).toString();
}

/** A p-value: exponent below 0.001 so that tiny values stay readable. */
export function fmtP(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (value >= 0.001) return value.toFixed(4);
  return value.toExponential(2);
}

export function fmtInt(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const n = Number(value);
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—';
}

export function fmtPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)}%`;
}

/** UTC timestamp to the minute (or second), the way operators compare logs. */
export function fmtTime(value: Date | number | string | null | undefined, seconds = false): string {
  if (value === null || value === undefined) return '—';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return '—';
  return `${date
    .toISOString()
    .slice(0, seconds ? 19 : 16)
    .replace('T', ' ')} UTC`;
}

export function fmtDate(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? '—' : date.toISOString().slice(0, 10);
}

export type BadgeTone = 'ok' | 'bad' | 'warn' | 'info' | 'muted';

export function badge(text: string, tone: BadgeTone): RawHtml {
  return html`<span class="badge badge-${tone}">${text}</span>`;
}

/** Series colours: distinguishable, colour-blind friendly (Okabe–Ito, reordered). */
export const PALETTE = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#f0e442',
  '#000000',
];
export const REFERENCE_COLOUR = '#8a94a6';
export const CURRENT_COLOUR = '#0072b2';

/** The one stylesheet, inlined in every page. */
export const STYLES = `
:root{--fg:#1c2430;--muted:#5f6b7a;--line:#dfe3ea;--bg:#f5f7fa;--card:#fff;--accent:#1f5fbf;
--ok:#17784a;--ok-bg:#e3f4ea;--bad:#b3261e;--bad-bg:#fbe5e3;--warn:#8a5a00;--warn-bg:#fdf0d5;--info:#1f5fbf;--info-bg:#e3ecfa}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
header.top{background:#17202c;color:#e8edf3;padding:0 24px;display:flex;align-items:center;gap:28px;height:52px}
header.top .brand{font-weight:650;letter-spacing:.2px;color:#fff;font-size:15px}
header.top nav{display:flex;gap:18px;flex:1}
header.top nav a{color:#c5cfdb;font-weight:500}header.top nav a.active,header.top nav a:hover{color:#fff;text-decoration:none}
header.top form{margin:0}
header.top .who{color:#93a1b2;font-size:12px}
main{max-width:1240px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px;font-weight:650}
h2{font-size:16px;margin:0 0 12px;font-weight:650}
h3{font-size:14px;margin:0 0 8px;font-weight:650}
.sub{color:var(--muted);margin:0 0 20px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px;margin:0 0 18px}
.grid{display:grid;gap:18px}
.grid-2{grid-template-columns:repeat(auto-fit,minmax(480px,1fr))}
.grid-3{grid-template-columns:repeat(auto-fit,minmax(340px,1fr))}
.grid-2>.card,.grid-3>.card{margin:0}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin:0 0 18px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.stat .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.4px}
.stat .value{font-size:20px;font-weight:650;margin-top:2px;font-variant-numeric:tabular-nums}
.stat .note{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:middle}
th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.3px;background:#fafbfc}
td.num,th.num{text-align:right}
tr:last-child td{border-bottom:none}
.table-wrap{overflow-x:auto}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.badge-ok{background:var(--ok-bg);color:var(--ok)}.badge-bad{background:var(--bad-bg);color:var(--bad)}
.badge-warn{background:var(--warn-bg);color:var(--warn)}.badge-info{background:var(--info-bg);color:var(--info)}
.badge-muted{background:#eef1f5;color:var(--muted)}
.muted{color:var(--muted)}.small{font-size:12px}
.flash{padding:10px 14px;border-radius:8px;margin:0 0 18px;border:1px solid}
.flash-ok{background:var(--ok-bg);color:var(--ok);border-color:#b7e0c7}
.flash-bad{background:var(--bad-bg);color:var(--bad);border-color:#f2c1bc}
.actions{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end}
.actions form{margin:0;display:flex;gap:8px;align-items:flex-end}
label{font-size:12px;color:var(--muted);display:block;margin-bottom:3px}
input[type=text],input[type=password],select{font:inherit;padding:6px 9px;border:1px solid #c6ccd6;border-radius:6px;background:#fff;min-width:120px}
button{font:inherit;font-weight:600;padding:6px 14px;border-radius:6px;border:1px solid #c6ccd6;background:#fff;color:var(--fg);cursor:pointer}
button:hover{background:#f0f3f7}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}button.primary:hover{background:#194f9f}
button.danger{background:#fff;border-color:#e0a29c;color:var(--bad)}button.danger:hover{background:var(--bad-bg)}
button.link{border:none;background:none;color:#c5cfdb;padding:0;font-weight:500}button.link:hover{color:#fff;background:none}
details.danger-zone{border:1px dashed #e0a29c;border-radius:8px;padding:10px 14px;margin-top:14px}
details.danger-zone summary{cursor:pointer;color:var(--bad);font-weight:600}
details.danger-zone[open] summary{margin-bottom:10px}
.chart{display:block;max-width:100%;height:auto}
.chart text{font:11px -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Arial,sans-serif;fill:#5f6b7a}
.chart .title{font-size:12px;font-weight:600;fill:#1c2430}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:var(--muted);margin:4px 0 0}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.pills{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 12px}
.pills a{padding:3px 10px;border:1px solid var(--line);border-radius:14px;font-size:12.5px;background:#fff}
.pills a.active{background:var(--accent);border-color:var(--accent);color:#fff}
.empty{color:var(--muted);font-style:italic;padding:8px 0}
.login{max-width:380px;margin:80px auto}
.login input{width:100%}
footer{color:var(--muted);font-size:12px;text-align:center;padding:8px 0 24px}
@media print{header.top{display:none}body{background:#fff}.card{break-inside:avoid}}
`;

/** A complete, self-contained HTML document. */
export function htmlDocument(options: { title: string; body: RawHtml; head?: RawHtml }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escapeHtml(options.title)}</title>
<style>${STYLES}</style>
${options.head?.html ?? ''}
</head>
<body>
${options.body.html}
</body>
</html>
`;
}
