// The operator dashboard: server-rendered pages under /ui, mounted by the routing service's admin side.
export { createDashboard, type Dashboard, type DashboardOptions } from './dashboard';
