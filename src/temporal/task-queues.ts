/**
 * The task queue training activities run on, beside a deployment's main one. Training is long and
 * CPU-bound: on its own queue it can be capped per process and run by workers of its own, which a
 * rolling restart of the main workers does not touch.
 *
 * ### Examples
 * ```ts
 * trainingTaskQueue('galfriday'); // 'galfriday-training'
 * ```
 */
export function trainingTaskQueue(mainTaskQueue: string): string {
  return `${mainTaskQueue}-training`;
}
