import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_TIMEOUT_MS, type KmeClientOptions, type RawResponse } from '../kme-transport';
import type { TlsCredentials } from '../tls-credentials';
import { httpsUrl, positiveInteger } from './arguments';
import type { CliIo } from './cli-io';

export const DEFAULT_KME_URL = 'https://localhost:8000';
export const DEFAULT_SAE_ID = 'sae-1';
/** The certificate that simulation commands present; the master KME's sim API admits only it. */
export const OPERATOR_ID = 'operator';

/** Who the CLI is and how it proves it: shared by every command. */
export interface IdentityFlags {
  sae: string;
  cert?: string;
  key?: string;
  ca?: string;
  p12?: string;
  passphrase?: string;
  timeout: number;
}

/** A command that talks to one KME and can print its answer unchanged. */
export interface ConnectionFlags extends IdentityFlags {
  kme: string;
  json?: boolean;
}

/**
 * --sae and the certificate options. `defaultSae` is `operator` for simulation commands, which
 * need the operator certificate whatever SAE_ID says.
 */
export function addIdentityOptions(command: Command, io: CliIo, defaultSae: string): Command {
  const saeDefault = defaultSae === OPERATOR_ID ? OPERATOR_ID : (io.env.SAE_ID ?? defaultSae);
  return command
    .option(
      '--sae <id>',
      `identity to present: uses certs/<id>.crt, certs/<id>.key and certs/ca.crt${
        defaultSae === OPERATOR_ID ? '' : ' (env SAE_ID)'
      }`,
      saeDefault,
    )
    .addOption(new Option('--cert <file>', 'client certificate (PEM) instead of certs/<id>.crt'))
    .addOption(new Option('--key <file>', 'private key (PEM) instead of certs/<id>.key'))
    .option('--ca <file>', 'CA certificate(s) to trust for the KME instead of certs/ca.crt')
    .addOption(
      new Option('--p12 <file>', 'PKCS#12 file holding certificate and key').conflicts([
        'cert',
        'key',
      ]),
    )
    .option('--passphrase <text>', 'passphrase of the --p12 file')
    .option(
      '--timeout <ms>',
      'give up on a request after this long',
      positiveInteger,
      DEFAULT_TIMEOUT_MS,
    );
}

/** --kme, the identity options and --json. */
export function addConnectionOptions(command: Command, io: CliIo, defaultSae: string): Command {
  command.option(
    '--kme <url>',
    'base URL of the KME (env KME_URL)',
    httpsUrl,
    io.env.KME_URL ?? DEFAULT_KME_URL,
  );
  addIdentityOptions(command, io, defaultSae);
  return command.option('--json', "print the KME's JSON answer unchanged");
}

/**
 * Client options from the flags. Explicit files win; otherwise the development layout of
 * `npm run certs` under the current directory. With --p12 and no --ca, certs/ca.crt is trusted
 * when it exists, else the CA inside the PKCS#12 file.
 */
export function clientOptionsOf(
  kmeUrl: string,
  flags: IdentityFlags,
  io: CliIo,
  onResponse?: (response: RawResponse) => void,
): KmeClientOptions {
  return {
    baseUrl: kmeUrl,
    tls: credentialsOf(flags, io.cwd),
    timeoutMs: flags.timeout,
    // One command, one request at a time; watch polls each KME in turn.
    connections: 1,
    signal: io.signal,
    onResponse,
  };
}

function credentialsOf(flags: IdentityFlags, cwd: string): TlsCredentials {
  const certs = join(cwd, 'certs');
  const explicit = (file: string | undefined): string | undefined =>
    file === undefined ? undefined : resolve(cwd, file);
  const defaultCa = join(certs, 'ca.crt');
  if (flags.p12 !== undefined) {
    return {
      p12: resolve(cwd, flags.p12),
      passphrase: flags.passphrase,
      ca: explicit(flags.ca) ?? (existsSync(defaultCa) ? defaultCa : undefined),
    };
  }
  return {
    cert: explicit(flags.cert) ?? join(certs, `${flags.sae}.crt`),
    key: explicit(flags.key) ?? join(certs, `${flags.sae}.key`),
    ca: explicit(flags.ca) ?? defaultCa,
  };
}
