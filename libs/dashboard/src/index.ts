export { DashboardModule } from './dashboard.module';
export {
  DASHBOARD_OPTIONS,
  DEFAULT_OPERATOR_CN,
  type DashboardModuleOptions,
  type DashboardPeerOptions,
} from './dashboard.options';
export { linkStatusOf } from './sampling/link-status';
export { withDashboardLink, DASHBOARD_PATH } from './docs-link';
