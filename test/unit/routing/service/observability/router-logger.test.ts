import assert from 'node:assert/strict';
import { createRouterLogger } from '../../../../../src/routing/service/observability/router-logger';

describe('router logger (pino)', () => {
  it('writes one JSON object per line with level, ISO time, service, the fields and msg', () => {
    const lines: string[] = [];
    const logger = createRouterLogger('info', (line) => lines.push(line));
    logger.debug('ignored');
    logger.warn('flush failed', { log: 'predictions', rows: 5000, error: new Error('connection refused') });
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]!.includes('\n'), 'the sink gets the line without its newline');
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(record.level, 'warn');
    assert.equal(record.service, 'router');
    assert.equal(record.msg, 'flush failed');
    assert.equal(record.rows, 5000);
    assert.match(String(record.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const error = record.error as { message: string; name: string; stack: string };
    assert.equal(error.message, 'connection refused');
    assert.equal(error.name, 'Error');
    assert.match(error.stack, /router-logger\.test/);
    assert.equal(logger.isEnabled('debug'), false);
    assert.equal(logger.isEnabled('error'), true);
  });

  it('never throws: a failing sink drops the line and counts it, a circular field is still logged', () => {
    const dropped: string[] = [];
    const failing = createRouterLogger(
      'debug',
      () => {
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      },
      (reason) => dropped.push(reason),
    );
    failing.error('lost');
    assert.deepEqual(dropped, ['error']);

    const lines: string[] = [];
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    createRouterLogger('debug', (line) => lines.push(line)).info('cycle', { circular });
    assert.equal(lines.length, 1);
    assert.equal((JSON.parse(lines[0]!) as { msg: string }).msg, 'cycle');
  });
});
