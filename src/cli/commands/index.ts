import type { Command } from '../command';
import { dataImportCommand, dataSynthCommand } from './data.commands';
import { healthCommand } from './health.command';
import { migrateCommand } from './migrate.command';
import {
  modelsExportCommand,
  modelsHistoryCommand,
  modelsListCommand,
  modelsPromoteCommand,
  modelsRegisterCommand,
  modelsRollbackCommand,
  modelsShowCommand,
  modelsTrainCommand,
} from './models.commands';
import { statusCommand } from './status.command';

/** Every command, in the order `galfriday --help` lists them. */
export const commands: Command[] = [
  statusCommand,
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
  migrateCommand,
];
