import { readFileSync } from 'node:fs';
import { type ChannelCredentials, credentials } from '@grpc/grpc-js';
import { AppError } from '@onceonly/errors';
import { type Field, str } from './config.js';

/** The three variables of one TLS identity: `<prefix>_CA`, `<prefix>_CERT`, `<prefix>_KEY`. */
export type TlsVariables<P extends string> = `${P}_CA` | `${P}_CERT` | `${P}_KEY`;

/** PEM contents of a TLS identity: the CA its peers must chain to, its own certificate (chain) and private key. */
export interface TlsFiles {
  readonly caCert: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * The configuration fields of a client's mutual TLS towards one peer, `<prefix>_CA`, `<prefix>_CERT` and
 * `<prefix>_KEY` (PEM file paths, all three or none), for a module's config schema. `identity` says what the client
 * certificate must name so that the peer admits the calls: its subject is the caller (CN = code, OU = role; see
 * `callerFromCertificate`).
 * @example
 * export const CREDIT_CONFIG = { ...peerTlsConfig('ONCEONLY_CREDIT_AUDIT_TLS', { peer: 'the audit log', identity: 'OU=auditor' }) };
 */
export function peerTlsConfig<P extends string>(
  prefix: P,
  about: { readonly peer: string; readonly identity: string },
): Record<TlsVariables<P>, Field<string, false>> {
  return {
    [`${prefix}_CA`]: str({
      optional: true,
      doc: `mTLS to ${about.peer}: PEM file of the CA its certificate chains to`,
    }),
    [`${prefix}_CERT`]: str({
      optional: true,
      doc: `mTLS to ${about.peer}: client certificate PEM (${about.identity})`,
    }),
    [`${prefix}_KEY`]: str({ optional: true, doc: `mTLS to ${about.peer}: the client certificate's private key PEM` }),
  } as Record<TlsVariables<P>, Field<string, false>>;
}

/**
 * Reads the PEM files `<prefix>_CA`, `<prefix>_CERT` and `<prefix>_KEY` name in a loaded configuration: undefined
 * when none is set (no TLS), the three contents when all are.
 * @throws AppError CONFIG_MISSING when only some are set, CONFIG_INVALID (naming the variable) when a file cannot be read.
 */
export function readTlsFiles<P extends string>(
  prefix: P,
  config: Readonly<Partial<Record<TlsVariables<P>, string | undefined>>>,
): TlsFiles | undefined {
  const names = [`${prefix}_CA`, `${prefix}_CERT`, `${prefix}_KEY`] as TlsVariables<P>[];
  const paths = names.map((name) => config[name]);
  const given = paths.filter((p) => p !== undefined).length;
  if (given === 0) return undefined;
  if (given !== 3) {
    throw new AppError('CONFIG_MISSING', `${names[0]}, ${names[1]} and ${names[2]} go together: set all three or none`);
  }
  const read = (i: number) => {
    try {
      return readFileSync(paths[i]!);
    } catch (cause) {
      throw new AppError('CONFIG_INVALID', `${names[i]}: cannot read ${paths[i]}`, { cause });
    }
  };
  return { caCert: read(0), cert: read(1), key: read(2) };
}

/**
 * gRPC client credentials towards a peer from `<prefix>_CA`, `<prefix>_CERT`, `<prefix>_KEY` (see
 * {@link peerTlsConfig}): mutual TLS presenting the client certificate, or undefined when none is configured (the
 * caller then speaks plaintext with the development identity, loopback only). Read once, at start: fail fast.
 * @throws AppError CONFIG_MISSING, CONFIG_INVALID as {@link readTlsFiles}.
 */
export function peerCredentials<P extends string>(
  prefix: P,
  config: Readonly<Partial<Record<TlsVariables<P>, string | undefined>>>,
): ChannelCredentials | undefined {
  const files = readTlsFiles(prefix, config);
  return files && credentials.createSsl(files.caCert, files.key, files.cert);
}
