import { randomUUID } from 'node:crypto';

/** This run of the slave KME. Each run is new to the master KME, which resets the link for it. */
export class SlaveInstance {
  readonly id = randomUUID();
}
