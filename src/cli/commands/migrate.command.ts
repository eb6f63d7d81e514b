import { migrate } from '../../db/migrator';
import { command } from '../command';

export const migrateCommand = command({
  path: ['migrate'],
  summary: 'Apply pending database migrations (the stack does this at start too)',
  usage: '',
  async run(ctx) {
    const { pool } = await ctx.database();
    const result = await migrate(pool);
    ctx.print(
      result.applied.length
        ? `Applied ${result.applied.join(', ')}.`
        : `Schema up to date (${result.alreadyApplied} migrations applied).`,
      result,
    );
  },
});
