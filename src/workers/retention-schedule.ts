import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
} from '@temporalio/client';
import { retentionWorkflow, type RetentionRunInput } from '../workflows/retention.workflow';

/** The retention schedule of a deployment (its task queue); one per namespace and queue. */
export const retentionScheduleId = (taskQueue: string) => `retention:${taskQueue}`;

/** Workflow id of runs started by the schedule (Temporal appends the tick's time) or by the CLI. */
export const retentionWorkflowId = (taskQueue: string) => `retention:${taskQueue}`;

/** What {@link ensureRetentionSchedule} did. */
export type RetentionScheduleChange = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent';

/** Ticks missed while Temporal was down are run late only within this window: one catch-up, not a burst. */
const CATCHUP_WINDOW_MS = 3_600_000;

/**
 * Makes the retention schedule match `everyMs`: created when missing, its interval updated when it
 * differs, left alone when it matches (so every worker of a rolling restart can call this), deleted
 * when `everyMs` is null. Overlap SKIP: a tick while a run is still going is dropped.
 *
 * ### Examples
 * ```ts
 * declare const client: Client;
 * await ensureRetentionSchedule(client, { taskQueue: 'galfriday', everyMs: 86_400_000 }); // 'created'
 * await ensureRetentionSchedule(client, { taskQueue: 'galfriday', everyMs: 86_400_000 }); // 'unchanged'
 * ```
 */
export async function ensureRetentionSchedule(
  client: Client,
  options: { taskQueue: string; everyMs: number | null },
): Promise<RetentionScheduleChange> {
  const scheduleId = retentionScheduleId(options.taskQueue);
  const handle = client.schedule.getHandle(scheduleId);
  if (options.everyMs === null) {
    try {
      await handle.delete();
      return 'deleted';
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return 'absent';
      throw error;
    }
  }
  const everyMs = options.everyMs;
  const spec = { intervals: [{ every: everyMs }] };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: retentionWorkflow,
        args: [{}] as [RetentionRunInput],
        taskQueue: options.taskQueue,
        workflowId: retentionWorkflowId(options.taskQueue),
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW_MS },
    });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const current = await handle.describe();
  const intervals = current.spec.intervals ?? [];
  if (intervals.length === 1 && intervals[0]!.every === everyMs && !current.spec.calendars?.length) {
    return 'unchanged';
  }
  await handle.update((previous) => ({ ...previous, spec }));
  return 'updated';
}
