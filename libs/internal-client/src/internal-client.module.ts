import { Module, type ConfigurableModuleAsyncOptions, type DynamicModule } from '@nestjs/common';
import { INTERNAL_CLIENT_OPTIONS, type InternalClientOptions } from './internal-client.options';
import { InternalClient } from './internal-client.service';

/** Client options from the application's providers (its settings and TLS material, say). */
export type InternalClientAsyncOptions = Pick<
  ConfigurableModuleAsyncOptions<InternalClientOptions>,
  'imports' | 'inject' | 'useFactory'
>;

@Module({})
export class InternalClientModule {
  static forRoot(options: InternalClientOptions): DynamicModule {
    return InternalClientModule.forRootAsync({ useFactory: () => options });
  }

  static forRootAsync({
    imports = [],
    inject = [],
    useFactory,
  }: InternalClientAsyncOptions): DynamicModule {
    if (useFactory === undefined) {
      throw new TypeError('InternalClientModule.forRootAsync needs useFactory');
    }
    return {
      module: InternalClientModule,
      imports,
      providers: [{ provide: INTERNAL_CLIENT_OPTIONS, inject, useFactory }, InternalClient],
      exports: [InternalClient],
    };
  }
}
