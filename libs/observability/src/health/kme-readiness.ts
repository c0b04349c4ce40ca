import { Injectable, Logger } from '@nestjs/common';
import {
  HealthIndicatorService,
  type HealthIndicatorFunction,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { KmeTelemetry } from '../kme-telemetry.port';

type Component = 'broker' | 'link' | 'store';

/** Why a component is down, as the probe's body says it: fixed text, never an error message. */
const DOWN: Record<Component, string> = {
  broker: 'not connected to the message broker',
  link: 'the link to the peer KME is down or not synchronised',
  store: 'the key store does not accept writes',
};

/**
 * The readiness indicators of a KME, read from KmeTelemetry. A probe runs every few seconds, so
 * only changes are logged, once each. Bodies carry fixed reasons only: a broker error message
 * may hold its URL, password included.
 */
@Injectable()
export class KmeReadiness {
  private readonly logger = new Logger('Health');
  private readonly down = new Set<Component>();

  readonly indicators: readonly HealthIndicatorFunction[] = [
    () => this.probe('broker', () => this.telemetry.brokerConnected()),
    () => this.probe('link', () => this.telemetry.linkUp()),
    () => this.probe('store', () => this.telemetry.storeWritable()),
  ];

  constructor(
    private readonly telemetry: KmeTelemetry,
    private readonly health: HealthIndicatorService,
  ) {}

  private probe(component: Component, isUp: () => boolean): HealthIndicatorResult {
    const session = this.health.check(component);
    let up: boolean;
    try {
      up = isUp();
    } catch (error) {
      this.logger.debug(
        `${component} check failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      up = false;
    }
    this.noteChange(component, up);
    return up ? session.up() : session.down({ message: DOWN[component] });
  }

  private noteChange(component: Component, up: boolean): void {
    if (up && this.down.delete(component)) {
      this.logger.log(`${component} is up again`);
    } else if (!up && !this.down.has(component)) {
      this.down.add(component);
      this.logger.warn(`not ready: ${DOWN[component]}`);
    }
  }
}
