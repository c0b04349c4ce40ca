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
} from 'class-validator';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?[0-9]+$/.test(value.trim()) ? Number(value.trim()) : value;
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
}
