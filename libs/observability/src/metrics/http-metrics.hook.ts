import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { onEveryRequest } from '../http/every-request';
import { KmeMetrics } from './kme-metrics';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/**
 * Times every request into kme_http_request_duration_seconds. Labels are bounded: the route is
 * the pattern Express matched (`/api/v1/keys/:slave_SAE_ID/status`), never the path, which
 * carries SAE IDs and whatever a client sends; unknown methods are "other".
 */
@Injectable()
export class HttpMetricsHook implements OnModuleInit, OnModuleDestroy {
  private remove: (() => void) | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(KmeMetrics) private readonly metrics: KmeMetrics | null,
  ) {}

  onModuleInit(): void {
    if (this.metrics === null) return;
    this.remove = onEveryRequest(this.adapterHost, (request, response) =>
      this.time(request, response),
    );
  }

  onModuleDestroy(): void {
    this.remove?.();
  }

  private time(request: IncomingMessage, response: ServerResponse): void {
    const started = process.hrtime.bigint();
    // 'close' comes after 'finish', and alone when the client went away first.
    response.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics?.requestDuration.observe(
        {
          method: methodLabel(request.method),
          route: routeLabel(request),
          status: response.writableFinished ? String(response.statusCode) : 'aborted',
        },
        seconds,
      );
    });
  }
}

const methodLabel = (method: string | undefined): string =>
  method !== undefined && METHODS.has(method) ? method : 'other';

/** Express sets `route` on the request once a route matched; Nest's patterns are strings. */
function routeLabel(request: IncomingMessage): string {
  const path = (request as { route?: { path?: unknown } }).route?.path;
  return typeof path === 'string' ? path : 'unmatched';
}
