import { Injectable } from '@nestjs/common';
import { KeyRequestGate } from '@app/etsi-api';
import { RequestRefusals } from './request-refusals';

/**
 * The refuse_requests fault at the ETSI key routes (enc_keys, dec_keys; not status): a request
 * the fault counts answers 503 with Retry-After before anything is taken, as a KME that cannot
 * serve does. The key delivery classes know nothing of it.
 */
@Injectable()
export class RefuseRequestsGate extends KeyRequestGate {
  constructor(private readonly refusals: RequestRefusals) {
    super();
  }

  refusal(): string | undefined {
    return this.refusals.refuse();
  }
}
