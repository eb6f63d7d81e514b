import assert from 'node:assert/strict';
import {
  assignmentEncoder,
  encodeRows,
  predictionEncoder,
  type PredictionLogRow,
} from '../../../src/db/repositories/routing-log.repository';

describe('binary COPY encoders of the router logs', () => {
  it('writes an assignment as PostgreSQL binary COPY fields, byte for byte', () => {
    const bytes = encodeRows(assignmentEncoder, [
      {
        assignmentId: '0190f3c2-7a1b-7c3d-9e4f-0123456789ab',
        experimentId: 'ffffffff-0000-4000-8000-00000000000a',
        variant: 'b',
        unitId: 'é',
        assignedAtMs: Date.UTC(2000, 0, 1, 0, 0, 1, 500),
      },
    ]);
    const expected = Buffer.concat([
      Buffer.from('0005', 'hex'), // field count
      Buffer.from('00000010' + '0190f3c27a1b7c3d9e4f0123456789ab', 'hex'),
      Buffer.from('00000010' + 'ffffffff000040008000' + '00000000000a', 'hex'),
      Buffer.from('00000001' + '62', 'hex'), // 'b'
      Buffer.from('00000002' + 'c3a9', 'hex'), // 'é' in UTF-8
      Buffer.from('00000008' + '000000000016e360', 'hex'), // 1.5 s after 2000-01-01, in µs
    ]);
    assert.equal(bytes.toString('hex'), expected.toString('hex'));
  });

  it('never writes more than it reserved, whatever the text and the number of features', () => {
    const row = (unitId: string, variant: string | null, features: number): PredictionLogRow => ({
      predictionId: '0190f3c2-7a1b-7c3d-9e4f-0123456789ab',
      modelId: '9007199254740991',
      versionId: '7',
      experimentId: variant === null ? null : '0190f3c2-7a1b-7c3d-9e4f-0123456789ac',
      variant,
      unitId,
      features: Array.from({ length: features }, (_, i) => i / 3),
      output: 0.5,
      isShadow: variant === null,
      servedPredictionId: variant === null ? '0190f3c2-7a1b-7c3d-9e4f-0123456789ad' : null,
      createdAtMs: Date.now(),
    });
    for (const r of [
      row('a', null, 0),
      row('𝛼'.repeat(128), 'treatment', 500),
      row('ü'.repeat(256), 'c', 1),
    ]) {
      const target = Buffer.alloc(predictionEncoder.maxBytes(r) + 16, 0xee);
      const end = predictionEncoder.write(r, target, 8);
      assert.ok(end - 8 <= predictionEncoder.maxBytes(r), `${end - 8} > ${predictionEncoder.maxBytes(r)}`);
      assert.ok(
        target.subarray(end).every((b) => b === 0xee),
        'nothing written past the end',
      );
    }
  });

  it('refuses what it cannot store rather than writing a wrong value', () => {
    const good = {
      assignmentId: '0190f3c2-7a1b-7c3d-9e4f-0123456789ab',
      experimentId: '0190f3c2-7a1b-7c3d-9e4f-0123456789ac',
      variant: 'a',
      unitId: 'u',
      assignedAtMs: Date.now(),
    };
    assert.throws(
      () => encodeRows(assignmentEncoder, [{ ...good, assignmentId: 'not-a-uuid' }]),
      /not a UUID/,
    );
    assert.throws(
      () =>
        encodeRows(assignmentEncoder, [{ ...good, experimentId: '0190f3c2-7a1b-7c3d-9e4f-0123456789ag' }]),
      /not a UUID/,
    );
    assert.throws(
      () => encodeRows(assignmentEncoder, [{ ...good, assignedAtMs: Date.UTC(1999, 0, 1) }]),
      /int64/,
    );
    assert.throws(
      () =>
        encodeRows(assignmentEncoder, [{ ...good, assignmentId: '0190f3c2x7a1b-7c3d-9e4f-0123456789ab' }]),
      /not a UUID/,
    );
  });

  it('writes bigint ids exactly, beyond 2^53 too, and refuses anything but a decimal int64', () => {
    const prediction = (modelId: string): PredictionLogRow => ({
      predictionId: '0190f3c2-7a1b-7c3d-9e4f-0123456789ab',
      modelId,
      versionId: '1',
      experimentId: null,
      variant: null,
      unitId: 'u',
      features: [],
      output: 0,
      isShadow: false,
      servedPredictionId: null,
      createdAtMs: Date.UTC(2026, 0, 1),
    });
    // model_id follows the field count (2 bytes) and the prediction id (4 + 16 bytes), after its length.
    const modelIdOf = (bytes: Buffer): bigint => bytes.readBigInt64BE(2 + 20 + 4);
    for (const id of ['0', '7', '9007199254740993', '9223372036854775807']) {
      assert.equal(modelIdOf(encodeRows(predictionEncoder, [prediction(id)])), BigInt(id), id);
    }
    for (const id of ['', '-1', '0x10', '1e3', ' 7', '007', '9223372036854775808', '12345678901234567890']) {
      assert.throws(() => encodeRows(predictionEncoder, [prediction(id)]), /not a bigint id/, id);
    }
  });
});
