import { sql } from 'kysely';
import type { Command } from '../command';
import { CliError, ExitCode } from '../exit-codes';
import { positional } from './options';

export const alertsListCommand: Command = {
  path: ['alerts', 'list'],
  summary: 'Open alerts (SRM holds, guardrail breaches, rejected challengers, broken versions), newest first',
  usage: '[--all]',
  options: { all: { type: 'boolean' } },
  async run(ctx, { values }) {
    const { db } = await ctx.database();
    let query = db
      .selectFrom('alerts')
      .leftJoin('models', 'models.model_id', 'alerts.model_id')
      .select([
        'alert_id',
        'severity',
        'kind',
        'models.name as model',
        'experiment_id',
        'message',
        'alerts.created_at',
        'acknowledged_at',
        'acknowledged_by',
      ])
      .orderBy('alerts.created_at', 'desc')
      .limit(200);
    if (!values.all) query = query.where('acknowledged_at', 'is', null);
    const rows = await query.execute();
    ctx.print(
      rows.length
        ? rows
            .map(
              (a) =>
                `#${a.alert_id} ${a.severity.toUpperCase().padEnd(8)} ${a.created_at.toISOString().slice(0, 19)} ${a.kind}: ${a.message}${a.acknowledged_by ? ` (ack ${a.acknowledged_by})` : ''}`,
            )
            .join('\n')
        : 'No open alerts.',
      rows,
    );
  },
};

export const alertsAckCommand: Command = {
  path: ['alerts', 'ack'],
  summary: 'Acknowledge an alert',
  usage: '<alert-id>',
  async run(ctx, { positionals }) {
    const id = positional(positionals, 0, 'the alert id', 'alerts ack <alert-id>');
    if (!/^\d+$/.test(id)) throw new CliError(`alert id must be a number, got "${id}"`, ExitCode.USAGE);
    const { db } = await ctx.database();
    const result = await db
      .updateTable('alerts')
      .set({
        acknowledged_at: sql<Date>`now()` as never,
        acknowledged_by: `cli:${process.env.USER ?? 'unknown'}`,
      })
      .where('alert_id', '=', id)
      .where('acknowledged_at', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new CliError(`no open alert #${id}`, ExitCode.NOT_FOUND);
    ctx.print(`Acknowledged alert #${id}.`, { alertId: id, acknowledged: true });
  },
};
