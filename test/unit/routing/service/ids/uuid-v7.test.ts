import assert from 'node:assert/strict';
import { uuidv7, uuidv7Timestamp } from '../../../../../src/routing/service/ids/uuid-v7';

const SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('UUIDv7', () => {
  it('has the RFC 9562 layout: version 7, variant 10, the millisecond timestamp in the first 48 bits', () => {
    // Ids are monotonic per process, so a timestamp older than an id made earlier in this process
    // (by another test) would be replaced by that id's: use one ahead of any of them.
    const at = Date.now() + 60_000;
    const id = uuidv7(at);
    assert.match(id, SHAPE);
    assert.equal(uuidv7Timestamp(id), at);
  });

  it('is strictly increasing within one process, even many per millisecond and if the clock steps back', () => {
    const ids = Array.from({ length: 20_000 }, () => uuidv7());
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
    const later = uuidv7(Date.now() + 10_000);
    assert.ok(uuidv7(Date.now() - 60_000) > later);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids.slice(0, 100)) assert.match(id, SHAPE);
  });
});
