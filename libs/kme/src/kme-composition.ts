import type { DynamicModule, Provider, Type } from '@nestjs/common';
import { KME_SETTINGS, type KmeRole, type KmeSettings } from '@app/config';
import { EtsiApiModule, type KeyDelivery } from '@app/etsi-api';
import { TLS_MATERIAL } from '@app/kme-server';
import {
  DELIVERY_OBSERVERS,
  DeliveryEventsModule,
  HealthModule,
  KmeLoggerModule,
  MetricsModule,
} from '@app/observability';
import { KME_DOCS, type KmeDocs } from './bootstrap/kme-docs';
import type { KmeModuleExtensions } from './kme-module.options';
import { settingsProviders } from './kme-settings.providers';
import { etsiApiOptionsOf, loggerOptionsOf } from './module-options';

/** What differs between the two KMEs' modules. */
export interface KmeParts {
  readonly role: KmeRole;
  readonly optionsToken: string | symbol;
  /** The module of the KME's key machinery; it exports the KeyDelivery and the KmeTelemetry. */
  readonly keys: Type;
  readonly keyDelivery: Type<KeyDelivery>;
  readonly docs: KmeDocs;
}

/**
 * A KME module as both KMEs are made: global (one KME per application), with its settings and
 * TLS material from the module options, the ETSI API over its key machinery, health, metrics and
 * logs, and the extension classes in place of the built-in ones.
 */
export function composeKme(
  module: DynamicModule,
  parts: KmeParts,
  extensions: KmeModuleExtensions,
): DynamicModule {
  const observers = extensions.deliveryObservers ?? [];
  const observerProviders: Provider[] = [
    ...observers,
    {
      provide: DELIVERY_OBSERVERS,
      inject: [...observers],
      useFactory: (...instances: unknown[]) => instances,
    },
  ];
  const metrics = MetricsModule.forRootAsync({
    imports: [parts.keys],
    inject: [KME_SETTINGS],
    useFactory: (settings: KmeSettings) => ({ enabled: settings.metrics }),
  });
  return {
    ...module,
    global: true,
    imports: [
      ...(module.imports ?? []),
      ...(extensions.imports ?? []),
      parts.keys,
      EtsiApiModule.forRoot({
        imports: [parts.keys],
        keyDelivery: parts.keyDelivery,
        saeIdentity: extensions.saeIdentity,
        options: { inject: [KME_SETTINGS, TLS_MATERIAL], useFactory: etsiApiOptionsOf },
      }),
      DeliveryEventsModule,
      KmeLoggerModule.forRootAsync({ inject: [KME_SETTINGS], useFactory: loggerOptionsOf }),
      HealthModule.forRoot({ imports: [parts.keys] }),
      metrics,
    ],
    providers: [
      ...(module.providers ?? []),
      ...settingsProviders(parts.role, parts.optionsToken),
      { provide: KME_DOCS, useValue: parts.docs },
      ...observerProviders,
    ],
    // The metrics module too: the key machinery counts the material it relays.
    exports: [...(module.exports ?? []), KME_SETTINGS, TLS_MATERIAL, KME_DOCS, metrics],
  };
}
