/**
 * Continues with a value that may still be a Promise, and stays synchronous when it is not: on the
 * routing hot path a request is then read, handled and answered in one turn of the event loop
 * whenever nothing really waits. `onError` receives a synchronous throw of `compute` as well as a
 * rejection; like `Promise.then`, it does not catch what `onValue` throws.
 *
 * ### Examples
 * ```ts
 * thenMaybe(() => 2, (x) => x + 1); // 3
 * await thenMaybe(() => Promise.resolve(2), (x) => x + 1); // 3
 * thenMaybe(() => { throw new Error('x'); }, (x) => x, () => 0); // 0
 * ```
 */
export function thenMaybe<T, U>(
  compute: () => T | Promise<T>,
  onValue: (value: T) => U | Promise<U>,
  onError?: (error: unknown) => U | Promise<U>,
): U | Promise<U> {
  let value: T | Promise<T>;
  try {
    value = compute();
  } catch (error) {
    if (onError === undefined) throw error;
    return onError(error);
  }
  return value instanceof Promise ? value.then(onValue, onError) : onValue(value);
}
