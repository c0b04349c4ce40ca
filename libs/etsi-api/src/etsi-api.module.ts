import {
  Module,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
  type Provider,
  type Type,
} from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { SaeAuthGuard } from './auth/sae-auth.guard';
import { BUILT_IN_SAE_IDENTITIES, SaeIdentity } from './auth/sae-identity';
import { ETSI_API_OPTIONS, type EtsiApiOptions } from './etsi-api.options';
import { EtsiExceptionFilter } from './etsi-exception.filter';
import { EtsiKeyService } from './etsi-key.service';
import { EtsiKeysController } from './etsi-keys.controller';
import { EtsiValidationPipe } from './validation/etsi-validation.pipe';
import { KeyDelivery } from './key-delivery.port';
import { KeyRequestGate } from './key-request-gate.port';

export interface EtsiApiModuleOptions {
  /** The options, or how to make them from the application's providers. */
  readonly options: EtsiApiOptions | Pick<FactoryProvider<EtsiApiOptions>, 'inject' | 'useFactory'>;
  /** The app's KeyDelivery implementation, exported by one of `imports`. */
  readonly keyDelivery: Type<KeyDelivery>;
  /** Replaces the built-in SaeIdentity that `saeIdFrom` selects. */
  readonly saeIdentity?: Type<SaeIdentity>;
  /** Asked before each key request takes anything (see KeyRequestGate), exported by one of `imports`. */
  readonly keyRequestGate?: Type<KeyRequestGate>;
  readonly imports?: ModuleMetadata['imports'];
}

const isFactory = (
  options: EtsiApiModuleOptions['options'],
): options is Pick<FactoryProvider<EtsiApiOptions>, 'inject' | 'useFactory'> =>
  'useFactory' in options;

/**
 * The ETSI GS QKD 014 API. Registers the ETSI error filter app-wide, so every answer of the
 * KME, Nest's own 404s included, has the ETSI Error shape, and validates every DTO the same way.
 */
@Module({})
export class EtsiApiModule {
  static forRoot({
    options,
    keyDelivery,
    saeIdentity,
    keyRequestGate,
    imports = [],
  }: EtsiApiModuleOptions): DynamicModule {
    const optionsProvider: Provider = isFactory(options)
      ? { provide: ETSI_API_OPTIONS, ...options }
      : { provide: ETSI_API_OPTIONS, useValue: options };
    const identityProvider: Provider =
      saeIdentity !== undefined
        ? { provide: SaeIdentity, useClass: saeIdentity }
        : {
            provide: SaeIdentity,
            inject: [ETSI_API_OPTIONS],
            useFactory: (resolved: EtsiApiOptions) =>
              new BUILT_IN_SAE_IDENTITIES[resolved.saeIdFrom ?? 'cn'](),
          };
    return {
      module: EtsiApiModule,
      imports,
      controllers: [EtsiKeysController],
      providers: [
        optionsProvider,
        identityProvider,
        { provide: KeyDelivery, useExisting: keyDelivery },
        ...(keyRequestGate === undefined
          ? []
          : [{ provide: KeyRequestGate, useExisting: keyRequestGate }]),
        { provide: APP_FILTER, useClass: EtsiExceptionFilter },
        { provide: APP_PIPE, useClass: EtsiValidationPipe },
        EtsiKeyService,
        SaeAuthGuard,
      ],
      exports: [ETSI_API_OPTIONS, SaeIdentity],
    };
  }
}
