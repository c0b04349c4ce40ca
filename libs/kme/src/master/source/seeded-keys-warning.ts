import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';

/** Says, loudly and at every start, that KEY_SEED makes keys anyone with the seed can compute. */
@Injectable()
export class SeededKeysWarning implements OnApplicationBootstrap {
  private readonly logger = new Logger('KeySeed');

  constructor(@Inject(KME_SETTINGS) private readonly settings: KmeSettings) {}

  onApplicationBootstrap(): void {
    if (this.settings.keySeed === undefined) return;
    if (this.settings.role === 'slave') {
      this.logger.warn('KEY_SEED is set but has no effect here: the master KME makes the material');
      return;
    }
    const bar = '!'.repeat(78);
    for (const line of [
      bar,
      '!!! KEY_SEED IS SET: THESE KEYS ARE NOT SECRET.',
      '!!! Key material and key IDs come from a deterministic generator keyed by the seed:',
      '!!! anyone who knows KEY_SEED can compute every key this link hands out, in order.',
      '!!! For reproducible tests only. Never protect real data with them.',
      bar,
    ]) {
      this.logger.warn(line);
    }
  }
}
