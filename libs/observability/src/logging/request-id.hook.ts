import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { onEveryRequest } from '../http/every-request';
import { requestIdOf } from './request-id';

/**
 * Gives every request its ID as it arrives, before the platform's middleware, so that the
 * answers the platform gives itself (a refused HEAD, a request without Host) echo one too.
 * pino-http then finds the ID already decided.
 */
@Injectable()
export class RequestIdHook implements OnModuleInit, OnModuleDestroy {
  private remove: (() => void) | undefined;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    this.remove = onEveryRequest(this.adapterHost, (request, response) => {
      requestIdOf(request, response);
    });
  }

  onModuleDestroy(): void {
    this.remove?.();
  }
}
