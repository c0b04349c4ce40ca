import { Module, type DynamicModule, type ModuleMetadata, type Type } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { SaeAuthGuard } from './auth/sae-auth.guard';
import { ETSI_API_OPTIONS, type EtsiApiOptions } from './etsi-api.options';
import { EtsiExceptionFilter } from './etsi-exception.filter';
import { EtsiKeyService } from './etsi-key.service';
import { EtsiKeysController } from './etsi-keys.controller';
import { EtsiValidationPipe } from './validation/etsi-validation.pipe';
import { KeyDelivery } from './key-delivery.port';

export interface EtsiApiModuleOptions {
  readonly options: EtsiApiOptions;
  /** The app's KeyDelivery implementation, exported by one of `imports`. */
  readonly keyDelivery: Type<KeyDelivery>;
  readonly imports?: ModuleMetadata['imports'];
}

/**
 * The ETSI GS QKD 014 API. Registers the ETSI error filter app-wide, so every answer of the
 * KME, Nest's own 404s included, has the ETSI Error shape, and validates every DTO the same way.
 */
@Module({})
export class EtsiApiModule {
  static forRoot({ options, keyDelivery, imports = [] }: EtsiApiModuleOptions): DynamicModule {
    return {
      module: EtsiApiModule,
      imports,
      controllers: [EtsiKeysController],
      providers: [
        { provide: ETSI_API_OPTIONS, useValue: options },
        { provide: KeyDelivery, useExisting: keyDelivery },
        { provide: APP_FILTER, useClass: EtsiExceptionFilter },
        { provide: APP_PIPE, useClass: EtsiValidationPipe },
        EtsiKeyService,
        SaeAuthGuard,
      ],
      exports: [ETSI_API_OPTIONS],
    };
  }
}
