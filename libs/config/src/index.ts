export * from './kme-settings';
export {
  BASE_LINK_PRESET,
  LINK_PARAMETER_VARIABLES,
  LINK_VARIABLES,
  type LinkSettings,
} from './link-settings';
export { ConfigurationError, KME_ENVIRONMENT_VARIABLES, loadKmeSettings } from './load-settings';
export { defaultEnvironment, defaultSharedQueue } from './defaults';

/** DI token of the app's KmeSettings. */
export const KME_SETTINGS = Symbol('KME_SETTINGS');
