import type { DynamicModule, Provider, Type } from '@nestjs/common';
import { KME_SETTINGS, type KmeRole, type KmeSettings } from '@app/config';
import { DashboardModule, withDashboardLink, type DashboardModuleOptions } from '@app/dashboard';
import { EtsiApiModule, type KeyDelivery } from '@app/etsi-api';
import { TLS_MATERIAL, type TlsMaterial } from '@app/kme-server';
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
import { RefuseRequestsGate } from './simulation/faults/refuse-requests.gate';
import { LinkSimulation } from './simulation/link/link-simulation.service';
import { MasterSimulationModule } from './simulation/master-simulation.module';
import { SlaveSimulationModule } from './simulation/slave-simulation.module';
import { SlaveSimulationState } from './simulation/sync/slave-simulation-state';

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
        imports: [parts.keys, LINK_VIEWS[parts.role].module],
        keyDelivery: parts.keyDelivery,
        // The simulation's refuse_requests fault.
        keyRequestGate: RefuseRequestsGate,
        saeIdentity: extensions.saeIdentity,
        options: { inject: [KME_SETTINGS, TLS_MATERIAL], useFactory: etsiApiOptionsOf },
      }),
      DeliveryEventsModule,
      KmeLoggerModule.forRootAsync({ inject: [KME_SETTINGS], useFactory: loggerOptionsOf }),
      HealthModule.forRoot({ imports: [parts.keys] }),
      metrics,
      DashboardModule.forRootAsync({
        imports: [parts.keys, LINK_VIEWS[parts.role].module],
        inject: [KME_SETTINGS, TLS_MATERIAL, LINK_VIEWS[parts.role].token],
        useFactory: dashboardOptionsOf,
      }),
    ],
    providers: [
      ...(module.providers ?? []),
      ...settingsProviders(parts.role, parts.optionsToken),
      { provide: KME_DOCS, useValue: linkingDashboard(parts.docs) },
      ...observerProviders,
    ],
    // The metrics module too: the key machinery counts the material it relays.
    exports: [...(module.exports ?? []), KME_SETTINGS, TLS_MATERIAL, KME_DOCS, metrics],
  };
}

/** Where each KME knows the simulated link: the master KME runs it, the slave KME hears it. */
const LINK_VIEWS = {
  master: { module: MasterSimulationModule, token: LinkSimulation },
  slave: { module: SlaveSimulationModule, token: SlaveSimulationState },
} as const;

/** The dashboard of a KME: its pool's cap, its peer read over the KME-to-KME link, the link. */
function dashboardOptionsOf(
  settings: KmeSettings,
  tls: TlsMaterial,
  link: LinkSimulation | SlaveSimulationState,
): DashboardModuleOptions {
  return {
    capacityBits: settings.keys.maxKeyCount * settings.keys.defaultKeySize,
    peer: { kmeId: settings.linkedKmeId, url: settings.linkedKmeUrl, tls },
    operatorCn: settings.operatorCn,
    linkState: () => link.linkState(),
  };
}

/** The API documentation, linking to the dashboard. */
function linkingDashboard(docs: KmeDocs): KmeDocs {
  return {
    ...docs,
    personalize: (document, settings) =>
      withDashboardLink(docs.personalize?.(document, settings) ?? document),
  };
}
