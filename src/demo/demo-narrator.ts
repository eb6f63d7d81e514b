import type { Db } from '../db/database';
import { listSignificantDatasetDriftSince } from '../db/repositories/drift-event.repository';
import { listJobProgressForModels } from '../db/repositories/retraining-job.repository';
import { workflowIds } from '../temporal/shared';
import { workflowUrl } from '../temporal/ui-links';

export interface NarratorOptions {
  db: Db;
  models: string[];
  uiUrl: string | undefined;
  namespace: string;
  log: (line: string) => void;
  everyMs?: number;
}

/**
 * Tells the story of the loop on the console, each step once with its Temporal UI link: drift
 * confirmed, retraining started, challenger staged or rejected, experiment started, promotion.
 */
export function startNarrator(options: NarratorOptions): { stop(): void } {
  const seen = new Set<string>();
  const link = (id: string) =>
    options.uiUrl ? `  ${workflowUrl(options.uiUrl, options.namespace, id)}` : '';
  const once = (key: string, line: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    options.log(line);
  };
  const startedAt = new Date();

  const poll = async () => {
    const drift = await listSignificantDatasetDriftSince(options.db, options.models, startedAt);
    for (const d of drift) {
      once(
        `drift:${d.name}`,
        `▲ Drift on ${d.name}: ${(d.statistic * 100).toFixed(0)}% of features drifted${link(workflowIds.supervisor(d.name))}`,
      );
    }
    const jobs = await listJobProgressForModels(options.db, options.models);
    for (const j of jobs) {
      const id = j.workflow_id ?? '';
      once(`job:${id}`, `● Retraining ${id} started (trigger: ${j.trigger})${link(id)}`);
      if (j.version !== null)
        once(
          `staged:${id}`,
          `● ${j.name}: challenger v${j.version} passed validation and is staged${link(id)}`,
        );
      if (j.experiment_id)
        once(
          `exp:${j.experiment_id}`,
          `● ${j.name}: experiment champion vs challenger v${j.version} started${link(workflowIds.experiment(j.experiment_id))}`,
        );
      if (j.status === 'completed')
        once(`done:${id}`, `★ ${j.name}: challenger v${j.version} PROMOTED to champion${link(id)}`);
      if (j.status === 'rejected' || j.status === 'failed')
        once(`done:${id}`, `✗ ${j.name}: retraining ${j.status} — ${j.error_message ?? ''}${link(id)}`);
    }
  };

  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    poll()
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, options.everyMs ?? 2_000);
  return { stop: () => clearInterval(timer) };
}
