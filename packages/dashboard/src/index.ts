export { startDashboard, type Dashboard, type DashboardOptions } from './server/start-dashboard.ts';
export type { NodeItem, JobItem, JobDetail, JobNodeView, JobKind } from './server/views.ts';
export type { ListPage } from './server/list-query.ts';
export type { Change } from './server/change-feed.ts';
