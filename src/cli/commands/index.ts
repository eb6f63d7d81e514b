import type { Command } from '../command';
import { healthCommand } from './health.command';
import { migrateCommand } from './migrate.command';
import { statusCommand } from './status.command';

/** Every command, in the order `galfriday --help` lists them. */
export const commands: Command[] = [statusCommand, healthCommand, migrateCommand];
