export interface BrokerOptions {
  readonly amqpUrl: string;
  /** The link's queue; both KMEs of a pair use the same name. */
  readonly sharedQueue: string;
  /** Bound on a publish, including its confirm, while serving a request. */
  readonly publishTimeoutMs: number;
}

export const BROKER_OPTIONS = Symbol('BROKER_OPTIONS');

export const DEAD_LETTER_EXCHANGE = 'qkd.dead-letter';
export const deadLetterQueueOf = (sharedQueue: string): string => `${sharedQueue}.dead-letter`;

/** The publishing channel of material blocks; everything else uses the default channel. */
export const MATERIAL_CHANNEL = 'qkd-material';
