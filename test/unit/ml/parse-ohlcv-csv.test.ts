import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MlInputError, parseOhlcvCsv } from '../../../src/ml';

describe('ml/parse-ohlcv-csv', () => {
  it('parses good rows, ignores extra columns and sorts by time', () => {
    const { rows, errors } = parseOhlcvCsv(
      'timestamp,OPEN,high,Low,close,volume,adjclose\r\n2024-01-02T10:00:00Z,10,11,9,10.5,1200,10.4\r\n2024-01-02T09:00,9.5,10.2,9.4,10,800,9.9\r\n',
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(rows, [
      { ts: '2024-01-02T09:00:00.000Z', open: 9.5, high: 10.2, low: 9.4, close: 10, volume: 800 },
      { ts: '2024-01-02T10:00:00.000Z', open: 10, high: 11, low: 9, close: 10.5, volume: 1200 },
    ]);
  });

  it('accepts epoch seconds and milliseconds and quoted fields', () => {
    const { rows, errors } = parseOhlcvCsv(
      'date,open,high,low,close,volume\n1704067200,"1.5",2,1,1.5,"10"\n1704070800000,1.5,2,1,1.6,11\n',
    );
    assert.deepEqual(errors, []);
    assert.deepEqual(
      rows.map((r) => r.ts),
      ['2024-01-01T00:00:00.000Z', '2024-01-01T01:00:00.000Z'],
    );
  });

  it('reports every bad row with its line number and reason', () => {
    const text = readFileSync(join(__dirname, '../../fixtures/ml/ohlcv-mixed.csv'), 'utf8');
    const { rows, errors } = parseOhlcvCsv(text);
    assert.deepEqual(errors, [
      { line: 5, reason: 'unparseable date "2024-13-01"' },
      { line: 6, reason: 'non-numeric open "abc"' },
      { line: 7, reason: 'negative volume -5' },
      { line: 8, reason: 'high 101 is below low 104' },
      { line: 9, reason: 'duplicate timestamp 2024-01-03T00:00:00.000Z (first on line 2)' },
      { line: 10, reason: 'expected 7 fields, got 4' },
      { line: 12, reason: 'unparseable date "2024-02-30"' },
      { line: 13, reason: 'close 106 is outside [low 102, high 105]' },
    ]);
    assert.deepEqual(
      rows.map((r) => r.ts.toString().slice(0, 10)),
      ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-10'],
    );
    assert.equal(rows.at(-1)!.volume, 0);
  });

  it('throws when the header lacks required columns', () => {
    assert.throws(() => parseOhlcvCsv('when,open,high,low,close\n'), {
      name: 'MlInputError',
      message: 'csv header: missing column(s) date or timestamp, volume; got [when, open, high, low, close]',
    });
    assert.throws(() => parseOhlcvCsv('  \n\n'), MlInputError);
  });
});
