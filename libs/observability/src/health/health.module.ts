import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { KmeReadiness } from './kme-readiness';

export interface HealthModuleOptions {
  /** Modules that export the app's KmeTelemetry, unless a global module provides it. */
  readonly imports?: ModuleMetadata['imports'];
}

/** GET /health/live and GET /health/ready (Terminus). */
@Module({})
export class HealthModule {
  static forRoot({ imports = [] }: HealthModuleOptions = {}): DynamicModule {
    return {
      module: HealthModule,
      // Terminus would log every failed probe at error level; KmeReadiness logs changes instead.
      imports: [...imports, TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [KmeReadiness],
    };
  }
}
