import { Controller, Get, Inject, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { KmeMetrics } from './kme-metrics';

/** Prometheus' scrape endpoint; no client certificate, as nothing here is secret. */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(KmeMetrics) private readonly metrics: KmeMetrics | null) {}

  /**
   * Written directly: Express would rewrite the media type (charset moved before version), and
   * the exposition format's content type is best sent exactly as specified.
   */
  @Get()
  async scrape(@Res() response: ServerResponse): Promise<void> {
    if (this.metrics === null)
      throw new NotFoundException('metrics are off on this KME (METRICS=false)');
    const text = await this.metrics.registry.metrics();
    response.writeHead(200, {
      'Content-Type': Registry.PROMETHEUS_CONTENT_TYPE,
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    });
    response.end(text);
  }
}
