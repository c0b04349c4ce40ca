import { Module, type DynamicModule } from '@nestjs/common';
import { INTERNAL_CLIENT_OPTIONS, type InternalClientOptions } from './internal-client.options';
import { InternalClient } from './internal-client.service';

@Module({})
export class InternalClientModule {
  static forRoot(options: InternalClientOptions): DynamicModule {
    return {
      module: InternalClientModule,
      providers: [{ provide: INTERNAL_CLIENT_OPTIONS, useValue: options }, InternalClient],
      exports: [InternalClient],
    };
  }
}
