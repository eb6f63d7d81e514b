import { command } from '../command';
import { ExitCode } from '../exit-codes';

export const stackCommand = command({
  path: ['stack'],
  summary: 'Show whether a local stack is running on the data directory, and its addresses',
  usage: '',
  async run(ctx) {
    const state = await ctx.stack();
    if (!state) {
      ctx.print(`No stack is running on ${ctx.config.dataDir}. Start one with \`npm start\`.`, {
        running: false,
      });
      return ExitCode.UNAVAILABLE;
    }
    ctx.print(
      [
        `Stack running (pid ${state.pid}, since ${state.startedAt})`,
        `  Temporal     ${state.temporalAddress}${state.temporalUiUrl ? `  UI ${state.temporalUiUrl}` : ''}`,
        `  PostgreSQL   ${state.databaseUrl.replace(/\/\/([^:/@]+):[^@]+@/, '//$1:***@')}`,
        ...(state.routerUrl ? [`  Router       ${state.routerUrl}`] : []),
        ...(state.dashboardUrl ? [`  Dashboard    ${state.dashboardUrl}/ui`] : []),
      ].join('\n'),
      { running: true, ...state, databaseUrl: undefined },
    );
  },
});
