// The operator dashboard: server-rendered pages under /ui, its own Fastify app and process, beside
// the routing service (never on its event loop).
export { buildDashboardApp, type DashboardOptions } from './dashboard-app';
export {
  serveDashboard,
  startDashboard,
  type RunningDashboard,
  type ServeDashboardOptions,
} from './serve-dashboard';
