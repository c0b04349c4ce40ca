import { ConfigurableModuleBuilder, Module, type DynamicModule } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { MasterKeyStore } from '@app/key-pool';
import { composeKme } from '../kme-composition';
import type { KmeModuleExtensions, KmeModuleOptions } from '../kme-module.options';
import { InternalApiController } from './internal-api/internal-api.controller';
import { PeerKmeGuard } from './internal-api/peer-kme.guard';
import { KeyIdSource, TimeOrderedKeyIds } from './keys/key-allocator';
import { MasterKeyDelivery } from './keys/master-key-delivery';
import { MASTER_KME_DOCS } from './master-docs';
import { MasterKeysModule } from './master-keys.module';
import { KeySource } from './source/key-source';
import { FileKeySource } from './source/file-key-source';
import { MaterialGenerator, RandomMaterial } from './source/material-generator';
import { SeededKeyIds } from './source/seeded-key-ids';
import { SeededKeysWarning } from './source/seeded-keys-warning';
import { SeededMaterial } from './source/seeded-material';
import { SimulatedKeySource } from './source/simulated-key-source';
import { MasterSimulationModule } from '../simulation/master-simulation.module';

const definition = new ConfigurableModuleBuilder<KmeModuleOptions>({ moduleName: 'MasterKme' })
  .setClassMethodName('forRoot')
  .setExtras<KmeModuleExtensions>({}, (module, extensions) => masterKme(module, extensions))
  .build();

/**
 * The master KME as a Nest module: the ETSI API for its SAEs, the KME-to-KME API for the slave
 * KME, the simulated QKD source (or another KeySource), health, metrics and logs. Import it into
 * an application and start that with bootstrapKme:
 *
 *   @Module({ imports: [MasterKmeModule.forRoot({ config: { KME_ID: 'kme-1' } })] })
 *   class AppModule {}
 *   await bootstrapKme(AppModule);
 *
 * Settings come from `config` and the environment, validated by the same rules; forRootAsync
 * makes the options from the application's providers. One KME per application.
 */
@Module({})
export class MasterKmeModule extends definition.ConfigurableModuleClass {}

function masterKme(module: DynamicModule, extensions: KmeModuleExtensions): DynamicModule {
  const kme = composeKme(
    module,
    {
      role: 'master',
      optionsToken: definition.MODULE_OPTIONS_TOKEN,
      keys: MasterKeysModule,
      keyDelivery: MasterKeyDelivery,
      docs: MASTER_KME_DOCS,
    },
    extensions,
  );
  return {
    ...kme,
    imports: [...(kme.imports ?? []), MasterSimulationModule],
    controllers: [...(kme.controllers ?? []), InternalApiController],
    providers: [
      ...(kme.providers ?? []),
      // KEY_SEED: material and key IDs repeat from run to run, and resume after a restart.
      {
        provide: KeyIdSource,
        inject: [KME_SETTINGS, MasterKeyStore],
        useFactory: (settings: KmeSettings, store: MasterKeyStore) =>
          settings.keySeed === undefined
            ? new TimeOrderedKeyIds()
            : new SeededKeyIds(settings.keySeed, store.values),
      },
      {
        provide: MaterialGenerator,
        inject: [KME_SETTINGS, MasterKeyStore],
        useFactory: (settings: KmeSettings, store: MasterKeyStore) =>
          settings.keySeed === undefined
            ? new RandomMaterial()
            : new SeededMaterial(settings.keySeed, store.values),
      },
      SeededKeysWarning,
      {
        provide: KeySource,
        inject: [KME_SETTINGS, ModuleRef],
        // The class given in code wins; else KEY_SOURCE picks a built-in one.
        useFactory: (settings: KmeSettings, moduleRef: ModuleRef) =>
          moduleRef.create(
            extensions.keySource ??
              (settings.keySource.kind === 'files' ? FileKeySource : SimulatedKeySource),
          ),
      },
      PeerKmeGuard,
    ],
    // Global, as every KME module: the key machinery finds its extension points here.
    exports: [...(kme.exports ?? []), KeySource, KeyIdSource, MasterSimulationModule],
  };
}
