import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { MaterialRange } from '@app/key-pool';
import { KeySourceService } from '../link/key-source.service';
import { MasterMaterial } from '../link/master-material';

export interface AllocatedKeys {
  readonly epoch: string;
  readonly ranges: readonly MaterialRange[];
  readonly keyBytes: number;
  readonly keyIds: string[];
  /** The keys' bytes, one after the other. */
  readonly material: Buffer;
}

/** The only allocator of the link: cuts `number` keys of `sizeBits` from the master KME's pool. */
@Injectable()
export class KeyAllocator {
  constructor(
    private readonly material: MasterMaterial,
    private readonly source: KeySourceService,
  ) {}

  allocate(number: number, sizeBits: number): AllocatedKeys {
    const keyBytes = sizeBits / 8;
    const { ranges, bytes } = this.material.allocate(number * keyBytes);
    this.source.poke();
    return {
      epoch: this.material.epoch,
      ranges,
      keyBytes,
      keyIds: Array.from({ length: number }, () => randomUUID()),
      material: bytes,
    };
  }
}
