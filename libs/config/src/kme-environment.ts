import { Transform } from 'class-transformer';
import {
  IsDivisibleBy,
  IsIP,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  NotContains,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import { LINK_PRESET_IDS } from './link-settings';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?[0-9]+$/.test(value.trim()) ? Number(value.trim()) : value;
const DECIMAL = /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[-+]?[0-9]+)?$/i;
const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value.trim()) : value;
/** LINK_SIGNAL_INTENSITY: a number, or the word `optimal`. */
const toIntensity = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim().toLowerCase() === 'optimal'
    ? 'optimal'
    : toNumber({ value });

/**
 * A finite number in a range, each end open or closed, with one message naming the variable and
 * the range ("LINK_DETECTOR_EFFICIENCY must be a number in (0, 1]").
 */
function IsNumberIn(
  name: string,
  [low, lowOpen]: readonly [number, boolean],
  [high, highOpen]: readonly [number, boolean],
  options: { allow?: readonly string[] } & ValidationOptions = {},
): PropertyDecorator {
  const range = `${lowOpen ? '(' : '['}${low}, ${high}${highOpen ? ')' : ']'}`;
  const words = (options.allow ?? []).map((word) => ` or ${word}`).join('');
  return ValidateBy(
    {
      name: 'isNumberIn',
      validator: {
        validate: (value: unknown): boolean =>
          (typeof value === 'string' && (options.allow ?? []).includes(value)) ||
          (typeof value === 'number' &&
            Number.isFinite(value) &&
            (lowOpen ? value > low : value >= low) &&
            (highOpen ? value < high : value <= high)),
        defaultMessage: () => `${name} must be a number in ${range}${words}`,
      },
    },
    options,
  );
}

const bits = (name: string) => ({ message: `${name} must be a positive multiple of 8` });

/**
 * The environment a KME reads, one property per variable, named exactly as the variable.
 * The names are those of the Python simulator this project replaces, so existing
 * `environment:` blocks keep working. Every value arrives as a string.
 */
export class KmeEnvironment {
  @Transform(toInt)
  @IsInt({ message: 'PORT must be an integer' })
  @Min(1, { message: 'PORT must be between 1 and 65535' })
  @Max(65535, { message: 'PORT must be between 1 and 65535' })
  PORT!: number;

  @IsIP(undefined, {
    message: 'BIND_ADDRESS must be an IPv4 or IPv6 address (0.0.0.0: every interface)',
  })
  BIND_ADDRESS!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9._:-]+$/, {
    message: 'KME_ID must be a non-empty ID of letters, digits, . _ : -',
  })
  KME_ID!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9._:-]+$/, {
    message: 'LINKED_KME_ID must be a non-empty ID of letters, digits, . _ : -',
  })
  LINKED_KME_ID!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9._:-]+(\s*,\s*[A-Za-z0-9._:-]+)*$/, {
    message: 'ATTACHED_SAE_ID must be one or more comma-separated SAE IDs',
  })
  ATTACHED_SAE_ID!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9._:-]+(\s*,\s*[A-Za-z0-9._:-]+)*$/, {
    message: 'LINKED_SAE_ID must be one or more comma-separated SAE IDs',
  })
  LINKED_SAE_ID!: string;

  @IsUrl(
    { require_tld: false, protocols: ['https'], require_protocol: true },
    { message: 'LINKED_TO_KME must be an https:// URL' },
  )
  LINKED_TO_KME!: string;

  @IsString()
  CA_FILE!: string;

  @IsString()
  KME_CERT!: string;

  @IsString()
  KME_KEY!: string;

  @IsOptional()
  @IsString()
  SAE_CERT?: string;

  @Transform(toInt)
  @IsInt(bits('MIN_KEY_SIZE'))
  @Min(8, bits('MIN_KEY_SIZE'))
  @IsDivisibleBy(8, bits('MIN_KEY_SIZE'))
  MIN_KEY_SIZE!: number;

  @Transform(toInt)
  @IsInt(bits('MAX_KEY_SIZE'))
  @Min(8, bits('MAX_KEY_SIZE'))
  @IsDivisibleBy(8, bits('MAX_KEY_SIZE'))
  MAX_KEY_SIZE!: number;

  @Transform(toInt)
  @IsInt(bits('DEFAULT_KEY_SIZE'))
  @Min(8, bits('DEFAULT_KEY_SIZE'))
  @IsDivisibleBy(8, bits('DEFAULT_KEY_SIZE'))
  DEFAULT_KEY_SIZE!: number;

  @Transform(toInt)
  @IsInt({ message: 'MAX_KEY_COUNT must be a positive integer' })
  @Min(1, { message: 'MAX_KEY_COUNT must be a positive integer' })
  MAX_KEY_COUNT!: number;

  @Transform(toInt)
  @IsInt({ message: 'MAX_KEYS_PER_REQUEST must be a positive integer' })
  @Min(1, { message: 'MAX_KEYS_PER_REQUEST must be a positive integer' })
  MAX_KEYS_PER_REQUEST!: number;

  @Transform(toInt)
  @IsInt({ message: 'MAX_ACTIVE_KEYS must be a positive integer' })
  @Min(1, { message: 'MAX_ACTIVE_KEYS must be a positive integer' })
  MAX_ACTIVE_KEYS!: number;

  @Transform(toInt)
  @IsInt({ message: 'MAX_SAE_ID_COUNT must be an integer of 0 or more' })
  @Min(0, { message: 'MAX_SAE_ID_COUNT must be an integer of 0 or more' })
  MAX_SAE_ID_COUNT!: number;

  @Transform(toInt)
  @IsInt({ message: 'KEY_RATE_BPS must be an integer of 0 or more (0 = unlimited)' })
  @Min(0, { message: 'KEY_RATE_BPS must be an integer of 0 or more (0 = unlimited)' })
  KEY_RATE_BPS!: number;

  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['amqp', 'amqps'], require_protocol: true },
    { message: 'AMQP_URL must be an amqp:// or amqps:// URL' },
  )
  AMQP_URL?: string;

  @IsString()
  @NotContains('/', { message: 'MQ_HOST must be a host name, not a URL' })
  MQ_HOST!: string;

  @Transform(toInt)
  @IsInt({ message: 'MQ_PORT must be between 1 and 65535' })
  @Min(1, { message: 'MQ_PORT must be between 1 and 65535' })
  @Max(65535, { message: 'MQ_PORT must be between 1 and 65535' })
  MQ_PORT!: number;

  @IsString()
  MQ_USERNAME!: string;

  @IsString()
  MQ_PASSWORD!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,200}$/, {
    message: 'MQ_SHARED_QUEUE must be 1-200 characters of letters, digits, . _ : -',
  })
  MQ_SHARED_QUEUE!: string;

  @IsIn(['error', 'warn', 'info', 'debug', 'verbose'], {
    message: 'LOG_LEVEL must be one of error, warn, info, debug, verbose',
  })
  LOG_LEVEL!: string;

  @Transform(toInt)
  @IsInt({ message: 'KEY_ID_WAIT_MS must be an integer from 0 to 60000' })
  @Min(0, { message: 'KEY_ID_WAIT_MS must be an integer from 0 to 60000' })
  @Max(60000, { message: 'KEY_ID_WAIT_MS must be an integer from 0 to 60000' })
  KEY_ID_WAIT_MS!: number;

  @Transform(toInt)
  @IsInt({ message: 'PEER_TIMEOUT_MS must be an integer from 100 to 60000' })
  @Min(100, { message: 'PEER_TIMEOUT_MS must be an integer from 100 to 60000' })
  @Max(60000, { message: 'PEER_TIMEOUT_MS must be an integer from 100 to 60000' })
  PEER_TIMEOUT_MS!: number;

  @IsIn(['true', 'false'], { message: 'STRICT_REQUESTS must be true or false' })
  STRICT_REQUESTS!: string;

  @IsIn(['sqlite', 'memory'], {
    message:
      'KEY_STORE must be sqlite (a database in DATA_DIR) or memory (nothing survives a restart)',
  })
  KEY_STORE!: string;

  @IsString()
  @MinLength(1, { message: 'DATA_DIR must name a directory' })
  DATA_DIR!: string;

  @IsIn(['process', 'power'], {
    message:
      'DURABILITY must be process (survives the KME being killed) or power (survives a machine crash)',
  })
  DURABILITY!: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'DATA_MAX_MB must be a positive integer (megabytes)' })
  @Min(1, { message: 'DATA_MAX_MB must be a positive integer (megabytes)' })
  DATA_MAX_MB?: number;

  @IsIn(['cn', 'san-uri', 'serial'], {
    message:
      'SAE_ID_FROM must be cn, san-uri or serial (where the SAE ID is in a client certificate)',
  })
  SAE_ID_FROM!: string;

  @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT!: string;

  @IsIn(['true', 'false'], { message: 'METRICS must be true or false' })
  METRICS!: string;

  @IsIn(['simulated', 'files'], {
    message:
      'KEY_SOURCE must be simulated (the simulated link) or files (key material from KEY_FILES_DIR)',
  })
  KEY_SOURCE!: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'KEY_FILES_DIR must name a directory' })
  KEY_FILES_DIR?: string;

  @IsOptional()
  @IsIn(LINK_PRESET_IDS, {
    message: `LINK_PRESET must be one of ${LINK_PRESET_IDS.join(', ')}`,
  })
  LINK_PRESET?: string;

  @IsOptional()
  @Transform(toNumber)
  @IsNumberIn('LINK_DISTANCE_KM', [0, false], [1000, false])
  LINK_DISTANCE_KM?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsNumberIn('LINK_FIBRE_LOSS_DB_PER_KM', [0, false], [10, false])
  LINK_FIBRE_LOSS_DB_PER_KM?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsNumberIn('LINK_DETECTOR_EFFICIENCY', [0, true], [1, false])
  LINK_DETECTOR_EFFICIENCY?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsNumberIn('LINK_DARK_COUNT_PROBABILITY', [0, false], [1, true])
  LINK_DARK_COUNT_PROBABILITY?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsNumberIn('LINK_MISALIGNMENT_ERROR', [0, false], [0.5, false])
  LINK_MISALIGNMENT_ERROR?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsNumberIn('LINK_EC_INEFFICIENCY', [1, false], [10, false])
  LINK_EC_INEFFICIENCY?: number;

  @IsOptional()
  @Transform(toIntensity)
  @IsNumberIn('LINK_SIGNAL_INTENSITY', [0, true], [10, false], { allow: ['optimal'] })
  LINK_SIGNAL_INTENSITY?: number | 'optimal';

  @IsOptional()
  @Transform(toNumber)
  @IsNumberIn('LINK_PULSE_RATE_HZ', [0, true], [1e12, false])
  LINK_PULSE_RATE_HZ?: number;

  @IsOptional()
  @IsString()
  @Matches(/^[\s\S]{1,1024}$/, { message: 'KEY_SEED must be 1 to 1024 characters' })
  KEY_SEED?: string;

  @IsString()
  @Matches(/^[A-Za-z0-9._:-]+$/, {
    message: 'OPERATOR_CN must be a non-empty name of letters, digits, . _ : -',
  })
  OPERATOR_CN!: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'SCENARIO_FILE must name a JSON or YAML file' })
  SCENARIO_FILE?: string;
}
