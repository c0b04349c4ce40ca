import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { MasterKeyStore, type MaterialRange } from '@app/key-pool';
import { MaterialShipper } from '../link/material-shipper.service';

export interface AllocatedKeys {
  readonly epoch: string;
  readonly ranges: readonly MaterialRange[];
  readonly keyBytes: number;
  readonly keyIds: string[];
  /** The keys' bytes, one after the other. */
  readonly material: Buffer;
}

/**
 * The only allocator of the link: cuts `number` keys of `sizeBits` from the master KME's pool.
 * Call it inside a store transaction together with whatever records the keys.
 */
@Injectable()
export class KeyAllocator {
  constructor(
    private readonly store: MasterKeyStore,
    private readonly shipper: MaterialShipper,
  ) {}

  allocate(number: number, sizeBits: number): AllocatedKeys {
    const keyBytes = sizeBits / 8;
    const { ranges, bytes } = this.store.material.allocate(number * keyBytes);
    this.shipper.poke();
    return {
      epoch: this.store.material.epoch,
      ranges,
      keyBytes,
      keyIds: Array.from({ length: number }, () => randomUUID()),
      material: bytes,
    };
  }
}
