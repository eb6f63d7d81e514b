import assert from 'node:assert/strict';
import { thenMaybe } from '../../../src/util/maybe-async';

describe('util/maybe-async: thenMaybe', () => {
  it('stays synchronous for a plain value', () => {
    assert.equal(
      thenMaybe(
        () => 2,
        (x) => x + 1,
      ),
      3,
    );
  });

  it('continues a Promise with a Promise', async () => {
    const result = thenMaybe(
      () => Promise.resolve(2),
      (x) => x + 1,
    );
    assert.ok(result instanceof Promise);
    assert.equal(await result, 3);
  });

  it('hands a synchronous throw and a rejection to onError, and rethrows without one', async () => {
    const boom = (): number => {
      throw new Error('boom');
    };
    assert.equal(
      thenMaybe(
        boom,
        (x) => x,
        () => 0,
      ),
      0,
    );
    assert.equal(
      await thenMaybe(
        () => Promise.reject(new Error('late')),
        (x: number) => x,
        () => 0,
      ),
      0,
    );
    assert.throws(() => thenMaybe(boom, (x) => x), /boom/);
    await assert.rejects(
      async () =>
        thenMaybe(
          () => Promise.reject(new Error('late')),
          (x: number) => x,
        ),
      /late/,
    );
  });

  it('does not route an error thrown by onValue to onError (like Promise.then)', () => {
    assert.throws(
      () =>
        thenMaybe(
          () => 1,
          () => {
            throw new Error('from onValue');
          },
          () => 0,
        ),
      /from onValue/,
    );
  });
});
