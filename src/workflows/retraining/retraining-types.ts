import type { ExperimentPolicyInput } from '../../policies/experiment-policy';
import type { RetrainingTrigger } from '../supervisor/supervisor-types';

export interface RetrainingInput {
  model: string;
  jobNumber: number;
  trigger: RetrainingTrigger;
  reason: string;
  requestedBy: string;
  /** The supervisor to tell when this job ends (absent when started on its own, e.g. by a test). */
  supervisorWorkflowId?: string;
  /** Overrides of the model's stored supervisor policy for this job. */
  trainer?: 'logreg' | 'gbdt';
  windowBars?: number;
  challengerTraffic?: number;
  experiment?: ExperimentPolicyInput;
}

export type RetrainingStatus = 'completed' | 'rejected' | 'failed';

export interface RetrainingResult {
  jobId: string;
  status: RetrainingStatus;
  detail: string;
  candidateVersion?: number;
  experimentId?: string;
  promotedVersion?: number;
}
