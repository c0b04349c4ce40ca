import type { Provider } from '@nestjs/common';
import { KME_SETTINGS, loadKmeSettings, type KmeRole, type KmeSettings } from '@app/config';
import { readTlsMaterial, TLS_MATERIAL } from '@app/kme-server';
import type { KmeModuleOptions } from './kme-module.options';

/** The KME's settings and TLS material, made from its module options when the app starts. */
export function settingsProviders(role: KmeRole, optionsToken: string | symbol): Provider[] {
  return [
    {
      provide: KME_SETTINGS,
      inject: [optionsToken],
      useFactory: (options: KmeModuleOptions): KmeSettings => {
        const env = {
          ...(options.useEnvironment === false ? {} : process.env),
          ...options.config,
        };
        // TLS material given in code needs no files.
        return options.tls === undefined
          ? loadKmeSettings(role, env)
          : loadKmeSettings(role, env, () => true);
      },
    },
    {
      provide: TLS_MATERIAL,
      inject: [optionsToken, KME_SETTINGS],
      useFactory: (options: KmeModuleOptions, settings: KmeSettings) =>
        options.tls ?? readTlsMaterial(settings.tls),
    },
  ];
}
