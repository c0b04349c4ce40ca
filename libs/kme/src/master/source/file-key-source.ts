import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { MasterKeyStore } from '@app/key-pool';
import { KeySource } from './key-source';

/** Name, in the master KME's store, of the number of bytes already taken from the files. */
const POSITION = 'file-key-source.position';

/**
 * Pre-shared key material from files (KEY_SOURCE=files): the regular files of KEY_FILES_DIR,
 * in the order of their names, read as one stream, each byte once. What a pair of devices that
 * hold the same key files would hand out: the keys are exactly those bytes, in order. The
 * position survives restarts (it is kept in the store with the material taken); files added
 * later, sorting after the last one read, are read when their turn comes. Hidden files (".…")
 * are skipped. The files are read, never changed.
 */
@Injectable()
export class FileKeySource extends KeySource {
  private readonly logger = new Logger(FileKeySource.name);
  private readonly dir: string;
  /** Bytes taken and kept in the store. */
  private position: number;
  private exhaustedAt: number | undefined;

  constructor(
    @Inject(KME_SETTINGS) settings: KmeSettings,
    private readonly store: MasterKeyStore,
  ) {
    super();
    if (settings.keySource.kind !== 'files') {
      throw new Error('FileKeySource needs KEY_SOURCE=files and KEY_FILES_DIR');
    }
    this.dir = settings.keySource.dir;
    this.position = Number(store.values.get(POSITION) ?? 0);
  }

  describe(): string {
    return `key files of ${this.dir}, ${this.position} bytes read`;
  }

  async take(maxBytes: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let want = maxBytes;
    let offset = this.position;
    for (const file of await this.files()) {
      if (want === 0) break;
      if (offset >= file.size) {
        offset -= file.size;
        continue;
      }
      const bytes = await readRange(file.path, offset, Math.min(want, file.size - offset));
      chunks.push(bytes);
      want -= bytes.length;
      offset = 0;
    }
    const taken = Buffer.concat(chunks);
    this.reportExhausted(taken.length);
    return taken;
  }

  /** Inside the transaction that keeps the bytes: the position moves with them. */
  override taken(bytes: number): void {
    this.position += bytes;
    this.store.values.set(POSITION, String(this.position));
  }

  private async files(): Promise<{ path: string; size: number }[]> {
    const names = (await readdir(this.dir)).filter((name) => !name.startsWith('.')).sort();
    const files: { path: string; size: number }[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      const info = await stat(path);
      if (info.isFile()) files.push({ path, size: info.size });
    }
    return files;
  }

  private reportExhausted(bytes: number): void {
    if (bytes > 0) {
      this.exhaustedAt = undefined;
    } else if (this.exhaustedAt !== this.position) {
      this.exhaustedAt = this.position;
      this.logger.warn(`the key files of ${this.dir} are used up after ${this.position} bytes`);
    }
  }
}

async function readRange(path: string, offset: number, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
