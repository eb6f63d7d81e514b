// The worker bundles this file: every workflow of the system is exported from here.
export { healthCheckWorkflow } from './health-check.workflow';
