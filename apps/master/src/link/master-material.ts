import { randomUUID } from 'node:crypto';
import { AllocatingPool } from '@app/key-pool';

/** The master KME's shared material; one epoch per run of the process. */
export class MasterMaterial extends AllocatingPool {
  constructor() {
    super(randomUUID());
  }
}
