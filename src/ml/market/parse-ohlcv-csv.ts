import { MlInputError } from '../errors';
import { ohlcvBarProblem, type OhlcvBar } from './ohlcv-bar';

/** A row the parser refused: 1-based line number in the text and why. */
export interface CsvRowError {
  line: number;
  reason: string;
}

/** Result of {@link parseOhlcvCsv}: good rows (sorted by time, `ts` as ISO strings) and every bad row. */
export interface ParsedOhlcvCsv {
  rows: OhlcvBar[];
  errors: CsvRowError[];
}

const TIME_COLUMNS = ['timestamp', 'date', 'datetime', 'time'] as const;
const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Splits one CSV line, honouring double quotes (RFC 4180, without embedded newlines). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/**
 * Parses a timestamp cell: ISO-8601 date or date-time (no zone means UTC), or Unix epoch seconds
 * (≤ 11 digits) or milliseconds. Returns epoch ms or a reason.
 */
function parseTimestamp(text: string): number | string {
  if (/^\d{9,13}$/.test(text)) {
    const n = Number(text);
    return text.length <= 11 ? n * 1000 : n;
  }
  const m = ISO_DATE.exec(text);
  if (m === null) return `unparseable date "${text}"`;
  const [, y, mo, d, hh, mi, ss, frac, zone] = m;
  const iso = `${y}-${mo}-${d}T${hh ?? '00'}:${mi ?? '00'}:${ss ?? '00'}${frac ?? ''}${zone ?? 'Z'}`;
  const ms = Date.parse(iso);
  // Date.parse rolls 2024-02-30 over to March; a calendar round-trip catches impossible dates.
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    !Number.isFinite(ms) ||
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d)
  ) {
    return `unparseable date "${text}"`;
  }
  return ms;
}

/**
 * Parses OHLCV CSV text. The header (first non-empty line) must name a time column (`date`,
 * `timestamp`, `datetime` or `time`) and open, high, low, close, volume, case-insensitively;
 * other columns (adjclose, …) are ignored. Each bad row is reported with its line number and
 * reason (unparseable date, non-numeric value, negative volume, high < low, open/close outside
 * the range, duplicate timestamp, wrong field count) and left out; good rows come back sorted by
 * time. Throws MlInputError only when the header is unusable.
 *
 * ### Examples
 * ```ts
 * parseOhlcvCsv('Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,10,11,9,10.5,10.4,1200\n2024-01-03,10,9,11,10,10,5');
 * // { rows: [{ ts: '2024-01-02T00:00:00.000Z', open: 10, high: 11, low: 9, close: 10.5, volume: 1200 }],
 * //   errors: [{ line: 3, reason: 'high 9 is below low 11' }] }
 * ```
 */
export function parseOhlcvCsv(text: string): ParsedOhlcvCsv {
  const lines = text.split(/\r\n|\n|\r/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) throw new MlInputError('csv', 'is empty; expected a header line');
  const header = splitCsvLine(lines[headerIndex]!.replace(/^\uFEFF/, '')).map((h) => h.toLowerCase());
  const column = (name: string): number => header.indexOf(name);
  const timeColumn = TIME_COLUMNS.map(column).find((i) => i >= 0);
  const missing: string[] = [];
  if (timeColumn === undefined) missing.push('date or timestamp');
  for (const name of PRICE_COLUMNS) if (column(name) < 0) missing.push(name);
  if (missing.length > 0) {
    throw new MlInputError(
      'csv header',
      `missing column(s) ${missing.join(', ')}; got [${header.join(', ')}]`,
    );
  }
  const index = {
    ts: timeColumn!,
    ...Object.fromEntries(PRICE_COLUMNS.map((c) => [c, column(c)])),
  } as Record<'ts' | (typeof PRICE_COLUMNS)[number], number>;

  const errors: CsvRowError[] = [];
  const parsed: Array<{ ms: number; bar: OhlcvBar }> = [];
  const seen = new Map<number, number>();
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const line = i + 1;
    const fields = splitCsvLine(raw);
    if (fields.length !== header.length) {
      errors.push({ line, reason: `expected ${header.length} fields, got ${fields.length}` });
      continue;
    }
    const ms = parseTimestamp(fields[index.ts]!);
    if (typeof ms === 'string') {
      errors.push({ line, reason: ms });
      continue;
    }
    const values: Partial<Record<(typeof PRICE_COLUMNS)[number], number>> = {};
    let bad: string | undefined;
    for (const name of PRICE_COLUMNS) {
      const cell = fields[index[name]]!;
      if (!NUMBER.test(cell)) {
        bad = `non-numeric ${name} "${cell}"`;
        break;
      }
      values[name] = Number(cell);
    }
    if (bad !== undefined) {
      errors.push({ line, reason: bad });
      continue;
    }
    const bar = {
      ts: new Date(ms).toISOString(),
      ...(values as Record<(typeof PRICE_COLUMNS)[number], number>),
    };
    const problem = ohlcvBarProblem(bar);
    if (problem !== undefined) {
      errors.push({ line, reason: problem });
      continue;
    }
    const first = seen.get(ms);
    if (first !== undefined) {
      errors.push({ line, reason: `duplicate timestamp ${bar.ts} (first on line ${first})` });
      continue;
    }
    seen.set(ms, line);
    parsed.push({ ms, bar });
  }
  parsed.sort((a, b) => a.ms - b.ms);
  return { rows: parsed.map((p) => p.bar), errors };
}
