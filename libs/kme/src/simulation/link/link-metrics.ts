import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { KmeMetrics } from '@app/observability';
import { LinkSimulation } from './link-simulation.service';

/**
 * The link model's figures as metrics of the master KME: kme_link_qber,
 * kme_link_secret_key_rate_bps (+Inf for a link without a rate limit) and kme_link_generating.
 * Read when scraped. Nothing when metrics are off (METRICS=false).
 */
@Injectable()
export class LinkMetrics implements OnModuleInit {
  constructor(
    private readonly link: LinkSimulation,
    // Named: a union type gives Nest no token to inject by.
    @Optional() @Inject(KmeMetrics) private readonly metrics?: KmeMetrics | null,
  ) {}

  onModuleInit(): void {
    if (this.metrics === undefined || this.metrics === null) return;
    const registers = [this.metrics.registry];
    const link = this.link;
    new Gauge({
      name: 'kme_link_qber',
      help: 'Quantum bit error rate of the simulated QKD link, 0 to 1',
      registers,
      collect() {
        this.set(link.linkState().qber);
      },
    });
    new Gauge({
      name: 'kme_link_secret_key_rate_bps',
      help: 'Secret key rate of the simulated QKD link in bits/s (0 while not generating, +Inf without a rate limit)',
      registers,
      collect() {
        this.set(link.linkState().secret_key_rate_bps ?? Infinity);
      },
    });
    new Gauge({
      name: 'kme_link_generating',
      help: '1 while the simulated QKD link produces key, else 0',
      registers,
      collect() {
        this.set(Number(link.linkState().generating));
      },
    });
  }
}
