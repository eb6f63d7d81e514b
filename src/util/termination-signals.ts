/**
 * Resolves with the first SIGINT or SIGTERM; the listeners stay until `release()`, so that a second
 * signal during the stop is noted (`onRepeat`) instead of killing the process before the batched
 * logs are written (the stop is bounded by the shutdown timeout anyway).
 *
 * ### Examples
 * ```ts
 * declare const service: { stop(): Promise<void> };
 * const signals = terminationSignals((signal) => console.warn(`already stopping (${signal})`));
 * await signals.first;
 * await service.stop();
 * signals.release();
 * ```
 */
export function terminationSignals(onRepeat: (signal: string) => void): {
  first: Promise<string>;
  release(): void;
} {
  let received: string | undefined;
  let resolveFirst!: (signal: string) => void;
  const first = new Promise<string>((resolve) => (resolveFirst = resolve));
  const onSignal = (signal: string): void => {
    if (received === undefined) {
      received = signal;
      resolveFirst(signal);
    } else {
      onRepeat(signal);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    first,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
