import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  DELIVERY_OBSERVERS,
  type DeliveryEvent,
  type DeliveryObserver,
} from './delivery-observer.port';

/**
 * Fan-out of deliveries to every observer. The request that delivered the keys has already
 * succeeded: an observer that fails is logged and the others are still told.
 */
@Injectable()
export class DeliveryEvents implements OnModuleInit {
  private readonly logger = new Logger('DeliveryEvents');
  private readonly observers = new Set<DeliveryObserver>();

  constructor(private readonly moduleRef: ModuleRef) {}

  /** Every DELIVERY_OBSERVERS provider of the application, whichever module declares it. */
  onModuleInit(): void {
    for (const observer of this.declaredObservers()) this.register(observer);
  }

  /** Adds an observer; the function returned removes it again. */
  register(observer: DeliveryObserver): () => void {
    this.observers.add(observer);
    return () => {
      this.observers.delete(observer);
    };
  }

  publish(event: DeliveryEvent): void {
    for (const observer of this.observers) {
      try {
        // An observer declared void may still be async; its rejection must not go unhandled.
        const outcome: unknown = observer.delivered(event);
        if (isPromiseLike(outcome))
          outcome.then(undefined, (error) => this.failed(observer, error));
      } catch (error) {
        this.failed(observer, error);
      }
    }
  }

  private failed(observer: DeliveryObserver, error: unknown): void {
    this.logger.error(
      `delivery observer ${observer.constructor.name} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  private declaredObservers(): DeliveryObserver[] {
    let declared: unknown[];
    try {
      declared = this.moduleRef.get<unknown, unknown>(DELIVERY_OBSERVERS, {
        strict: false,
        each: true,
      });
    } catch {
      return []; // no module declares one
    }
    return declared.flat().map((candidate) => {
      if (!isObserver(candidate)) {
        throw new TypeError('a DELIVERY_OBSERVERS provider is not a DeliveryObserver');
      }
      return candidate;
    });
  }
}

function isObserver(value: unknown): value is DeliveryObserver {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { delivered?: unknown }).delivered === 'function'
  );
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
