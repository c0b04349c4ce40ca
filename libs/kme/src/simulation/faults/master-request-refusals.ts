import { Injectable } from '@nestjs/common';
import { FaultBook } from './fault-book.service';
import { RequestRefusals } from './request-refusals';

/** The master KME's refusals: the refuse_requests faults aimed at it, in the FaultBook. */
@Injectable()
export class MasterRequestRefusals extends RequestRefusals {
  constructor(private readonly book: FaultBook) {
    super();
  }

  refuse(): string | undefined {
    return this.book.refuseHere();
  }
}
