import { ConfigurableModuleBuilder, Module, type DynamicModule } from '@nestjs/common';
import { ETSI_API_TAG, personalizeEtsiDocument } from '@app/etsi-api';
import { composeKme } from '../kme-composition';
import { SeededKeysWarning } from '../master/source/seeded-keys-warning';
import { SIMULATION_TAG } from '../simulation/api/simulation-docs';
import { SlaveSimulationModule } from '../simulation/slave-simulation.module';
import type { KmeModuleExtensions, KmeModuleOptions } from '../kme-module.options';
import { SlaveKeyDelivery } from './keys/slave-key-delivery';
import { SlaveKeysModule } from './slave-keys.module';

const definition = new ConfigurableModuleBuilder<KmeModuleOptions>({ moduleName: 'SlaveKme' })
  .setClassMethodName('forRoot')
  .setExtras<Omit<KmeModuleExtensions, 'keySource'>>({}, (module, extensions) =>
    slaveKme(module, extensions),
  )
  .build();

/**
 * The slave KME as a Nest module: the ETSI API for its SAEs over its copy of the master KME's
 * material, health, metrics and logs. Used as MasterKmeModule is.
 */
@Module({})
export class SlaveKmeModule extends definition.ConfigurableModuleClass {}

function slaveKme(
  module: DynamicModule,
  extensions: Omit<KmeModuleExtensions, 'keySource'>,
): DynamicModule {
  const kme = composeKme(
    module,
    {
      role: 'slave',
      optionsToken: definition.MODULE_OPTIONS_TOKEN,
      keys: SlaveKeysModule,
      keyDelivery: SlaveKeyDelivery,
      docs: {
        title: 'QKD slave KME',
        tags: [
          {
            name: ETSI_API_TAG,
            description: 'ETSI GS QKD 014 V1.1.1: the key delivery API for SAEs',
          },
          SIMULATION_TAG,
        ],
        personalize: personalizeEtsiDocument,
      },
    },
    extensions,
  );
  return {
    ...kme,
    imports: [...(kme.imports ?? []), SlaveSimulationModule],
    providers: [...(kme.providers ?? []), SeededKeysWarning],
    // Global, as every KME module: the link's heartbeat finds the simulation's extension here.
    exports: [...(kme.exports ?? []), SlaveSimulationModule],
  };
}
