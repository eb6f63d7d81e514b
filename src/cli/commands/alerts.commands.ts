import { acknowledgeAlert, listAlerts } from '../../db/repositories/alert.repository';
import { command } from '../command';
import { CliError, ExitCode } from '../exit-codes';
import { positional } from './options';

export const alertsListCommand = command({
  path: ['alerts', 'list'],
  summary: 'Open alerts (SRM holds, guardrail breaches, rejected challengers, broken versions), newest first',
  usage: '[--all]',
  options: { all: { type: 'boolean' } },
  async run(ctx, { values }) {
    const { db } = await ctx.database();
    const rows = await listAlerts(db, { state: values.all ? 'all' : 'open', limit: 200 });
    ctx.print(
      rows.length
        ? rows
            .map(
              (a) =>
                `#${a.alert_id} ${a.severity.toUpperCase().padEnd(8)} ${a.created_at.toISOString().slice(0, 19)} ${a.kind}: ${a.message}${a.acknowledged_by ? ` (ack ${a.acknowledged_by})` : ''}`,
            )
            .join('\n')
        : 'No open alerts.',
      // camelCase API shape (docs/cli.md), not the raw rows.
      rows.map((a) => ({
        alertId: a.alert_id,
        severity: a.severity,
        kind: a.kind,
        model: a.model,
        experimentId: a.experiment_id,
        message: a.message,
        createdAt: a.created_at,
        acknowledgedAt: a.acknowledged_at,
        acknowledgedBy: a.acknowledged_by,
      })),
    );
  },
});

export const alertsAckCommand = command({
  path: ['alerts', 'ack'],
  summary: 'Acknowledge an alert',
  usage: '<alert-id>',
  async run(ctx, { positionals }) {
    const id = positional(positionals, 0, 'the alert id', 'alerts ack <alert-id>');
    if (!/^\d+$/.test(id)) throw new CliError(`alert id must be a number, got "${id}"`, ExitCode.USAGE);
    const { db } = await ctx.database();
    const result = await acknowledgeAlert(db, id, `cli:${process.env.USER ?? 'unknown'}`);
    if (result.outcome === 'missing') throw new CliError(`no alert #${id}`, ExitCode.NOT_FOUND);
    if (result.outcome === 'already')
      throw new CliError(
        `alert #${id} was already acknowledged by ${result.by ?? 'someone'}`,
        ExitCode.NOT_FOUND,
      );
    ctx.print(`Acknowledged alert #${id}.`, { alertId: id, acknowledged: true });
  },
});
