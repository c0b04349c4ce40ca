import { Controller, Get, Header, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { HealthAnswerFilter } from './health-answer.filter';
import { KmeReadiness } from './kme-readiness';

/**
 * Probes of an orchestrator: no guard, hence no client certificate (TLS requests one but does
 * not require it). Left out of the API documentation, which is the SAEs'.
 */
@ApiExcludeController()
@Controller('health')
@UseFilters(HealthAnswerFilter)
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: KmeReadiness,
  ) {}

  /** 200 whenever the process serves requests: a failed link is no reason to restart it. */
  @Get('live')
  @Header('Cache-Control', 'no-store')
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** 200 when broker, link and store are up; 503 naming what is down. */
  @Get('ready')
  @Header('Cache-Control', 'no-store')
  ready(): Promise<HealthCheckResult> {
    return this.health.check([...this.readiness.indicators]);
  }
}
