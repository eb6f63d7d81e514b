/** Task queue used when GALFRIDAY_TASK_QUEUE is not set; worker and clients read the configured one. */
export const DEFAULT_TASK_QUEUE = 'galfriday';

/**
 * The search attributes every workflow of the system may set, with their Temporal types.
 * `Trigger` is an SQL keyword to Temporal's visibility parser: quote it in queries, `` `Trigger` = "drift" ``.
 */
export const SEARCH_ATTRIBUTES = {
  ModelName: 'Keyword',
  ExperimentId: 'Keyword',
  Trigger: 'Keyword',
  LifecycleState: 'Keyword',
  ChampionVersion: 'Int',
} as const;

/** Readable workflow ids, so an operator can find a model's jobs in the Temporal UI by prefix. */
export const workflowIds = {
  supervisor: (model: string) => `model:${model}`,
  retraining: (model: string, jobNumber: number) => `retrain:${model}:${jobNumber}`,
  experiment: (experimentId: string) => `experiment:${experimentId}`,
  healthCheck: (suffix: string) => `health-check:${suffix}`,
};
