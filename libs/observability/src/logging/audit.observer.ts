import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DeliveryObserver, type DeliveryEvent } from '../delivery/delivery-observer.port';

/**
 * The audit trail: one info line per delivery, saying which SAE received which keys, shared
 * with whom. IDs and sizes only; the event carries no key bytes to begin with. The one
 * info-level line of the request path, by design: it is the record of who holds which key.
 */
@Injectable()
export class AuditLog extends DeliveryObserver {
  constructor(private readonly logger: PinoLogger) {
    super();
    logger.setContext('Audit');
  }

  delivered(event: DeliveryEvent): void {
    // Below info (LOG_LEVEL=warn) the line is dropped: skip building it (bindings() parses JSON).
    const logger = this.logger.logger;
    if (!logger.isLevelEnabled('info')) return;
    this.logger.info(
      {
        // Bound already when the request has its own logger (LOG_LEVEL=debug), else said here.
        ...(event.requestId === undefined || logger.bindings().reqId !== undefined
          ? {}
          : { reqId: event.requestId }),
        route: event.route,
        sae: event.callerSaeId,
        peer_saes: event.peerSaeIds,
        key_ids: event.keyIds,
        key_size_bits: event.keySizeBits,
        count: event.keyIds.length,
      },
      'keys delivered',
    );
  }
}
