export * from './kme-settings';
export { ConfigurationError, KME_ENVIRONMENT_VARIABLES, loadKmeSettings } from './load-settings';
export { defaultEnvironment, defaultSharedQueue } from './defaults';

/** DI token of the app's KmeSettings. */
export const KME_SETTINGS = Symbol('KME_SETTINGS');
