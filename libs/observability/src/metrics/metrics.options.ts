import type { ModuleMetadata } from '@nestjs/common';

export interface MetricsModuleOptions {
  /** false: no /metrics route and nothing collected (what a KME without a scraper wants). */
  readonly enabled: boolean;
  /** Modules that export the app's KmeTelemetry, unless a global module provides it. */
  readonly imports?: ModuleMetadata['imports'];
}
