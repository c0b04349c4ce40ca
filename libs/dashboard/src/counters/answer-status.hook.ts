import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { onEveryRequest } from '@app/observability/http/every-request';
import { TrafficCounters } from './traffic-counters';

/**
 * Counts the status of every answer the server sends, from its `request` event: the platform's
 * own refusals (HEAD on an API route, a request without Host) never reach a middleware. A
 * request whose client went away before the answer was written has no status, and is not counted.
 */
@Injectable()
export class AnswerStatusHook implements OnModuleInit, OnModuleDestroy {
  private remove: (() => void) | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly counters: TrafficCounters,
  ) {}

  onModuleInit(): void {
    this.remove = onEveryRequest(this.adapterHost, (_request, response) => {
      response.once('finish', () => this.counters.answered(response.statusCode));
    });
  }

  onModuleDestroy(): void {
    this.remove?.();
  }
}
