import type { Command } from '../command';
import { backtestCommand } from './backtest.command';
import { dataImportCommand, dataSynthCommand } from './data.commands';
import {
  experimentsAnalyseCommand,
  experimentsConcludeCommand,
  experimentsCreateCommand,
  experimentsListCommand,
  experimentsPauseCommand,
  experimentsRampCommand,
  experimentsResumeCommand,
  experimentsShowCommand,
  experimentsStopCommand,
} from './experiments.commands';
import { alertsAckCommand, alertsListCommand } from './alerts.commands';
import { healthCommand } from './health.command';
import {
  driftCheckCommand,
  retrainCommand,
  statusCommand,
  superviseCommand,
  workflowsCommand,
} from './lifecycle.commands';
import { migrateCommand } from './migrate.command';
import {
  modelsExportCommand,
  modelsHistoryCommand,
  modelsListCommand,
  modelsPolicyCommand,
  modelsPromoteCommand,
  modelsRegisterCommand,
  modelsRollbackCommand,
  modelsShowCommand,
  modelsTrainCommand,
} from './models.commands';
import { schedulesDeleteCommand, schedulesListCommand, schedulesSetCommand } from './schedules.commands';
import { reportDriftCommand, reportExperimentCommand } from './report.commands';
import { retentionRunCommand } from './retention.commands';
import { routerCommand } from './router.command';
import { dashboardCommand } from './dashboard.command';
import { stackCommand } from './stack.command';

/** Every command, in the order `galfriday --help` lists them. */
export const commands: Command[] = [
  stackCommand,
  routerCommand,
  dashboardCommand,
  healthCommand,
  dataImportCommand,
  dataSynthCommand,
  modelsTrainCommand,
  modelsRegisterCommand,
  modelsListCommand,
  modelsShowCommand,
  modelsPromoteCommand,
  modelsRollbackCommand,
  modelsHistoryCommand,
  modelsExportCommand,
  modelsPolicyCommand,
  superviseCommand,
  statusCommand,
  retrainCommand,
  driftCheckCommand,
  backtestCommand,
  reportDriftCommand,
  reportExperimentCommand,
  experimentsCreateCommand,
  experimentsListCommand,
  experimentsShowCommand,
  experimentsPauseCommand,
  experimentsResumeCommand,
  experimentsStopCommand,
  experimentsRampCommand,
  experimentsAnalyseCommand,
  experimentsConcludeCommand,
  schedulesSetCommand,
  schedulesListCommand,
  schedulesDeleteCommand,
  alertsListCommand,
  alertsAckCommand,
  retentionRunCommand,
  workflowsCommand,
  migrateCommand,
];
