// The worker bundles this file: every workflow of the system is exported from here.
export { healthCheckWorkflow } from './health-check.workflow';
export * from './supervisor/model-supervisor.workflow';
export { retrainingWorkflow } from './retraining/retraining.workflow';
export * from './experiment/experiment.workflow';
export { scheduledRetrainingWorkflow } from './scheduled-retraining.workflow';
export { retentionWorkflow } from './retention.workflow';
