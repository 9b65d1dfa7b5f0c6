import { AppError } from '@onceonly/errors';
import { int, type Logger, loadConfig, str } from '@onceonly/kit';

/**
 * The configuration of seals and trust, from the environment. In external mode the hub's CA and the passphrase
 * must be given (fail fast); in embedded mode the CA is generated into the data folder and a development
 * passphrase stands in when none is set.
 */

/** The development passphrase of embedded mode: known to everyone, so it protects nothing. */
export const DEV_PASSPHRASE = 'onceonly-development-passphrase-not-a-secret';

/** Shortest passphrase accepted in external mode (the key files' PBKDF2 has only 2,048 iterations). */
export const MIN_PASSPHRASE_LENGTH = 16;

const COMMON = {
  ONCEONLY_SEAL_VALIDITY_DAYS: int({
    default: 1095,
    min: 1,
    max: 3650,
    doc: 'validity of a new seal certificate in days when the request names none (cut to the CA)',
  }),
  ONCEONLY_TRUST_LIST_HOURS: int({
    default: 168,
    min: 1,
    max: 2160,
    doc: 'how long a trust list (the seals CRL) is current: offline verifiers call it stale after this many hours',
  }),
};

/** Variables of embedded mode: everything optional. */
export const EMBEDDED_SEAL_CONFIG = {
  ONCEONLY_KEY_PASSPHRASE: str({
    optional: true,
    secret: true,
    doc: 'passphrase of the CA and seal keys at rest (embedded mode: a development default)',
  }),
  ONCEONLY_CA_CERT: str({ optional: true, doc: "the hub's root CA certificate, PEM file (embedded: generated)" }),
  ONCEONLY_CA_KEY: str({ optional: true, doc: "the hub's root CA key, encrypted PKCS#8 PEM file" }),
  ...COMMON,
};

/** Variables of external mode: the CA files and the passphrase are required. */
export const EXTERNAL_SEAL_CONFIG = {
  ONCEONLY_KEY_PASSPHRASE: str({
    secret: true,
    pattern: new RegExp(`[\\s\\S]{${MIN_PASSPHRASE_LENGTH},}`),
    patternDoc: `at least ${MIN_PASSPHRASE_LENGTH} characters (use 32 random bytes from a secret store)`,
    doc: 'passphrase of the CA and seal keys at rest',
  }),
  ONCEONLY_CA_CERT: str({ doc: "the hub's root CA certificate, PEM file" }),
  ONCEONLY_CA_KEY: str({ doc: "the hub's root CA key, encrypted PKCS#8 PEM file (ONCEONLY_KEY_PASSPHRASE)" }),
  ...COMMON,
};

/** Seal configuration, loaded. */
export interface SealConfig {
  readonly passphrase: string;
  /** CA files; undefined in embedded mode without them (generated into `<dataDir>/keys/`). */
  readonly caFiles?: { readonly cert: string; readonly key: string } | undefined;
  readonly defaultValidityDays: number;
  /** How long a trust list is current (its CRL's nextUpdate − thisUpdate), in hours. */
  readonly trustListHours: number;
}

/**
 * Loads the seal configuration for a mode. A passphrase given by the host (`override`) wins over the environment.
 * @throws AppError CONFIG_MISSING / CONFIG_INVALID naming the variable (never echoing the passphrase).
 */
export function loadSealConfig(
  env: NodeJS.ProcessEnv,
  mode: 'embedded' | 'external',
  log: Logger,
  override?: string,
): SealConfig {
  const withOverride = override === undefined ? env : { ...env, ONCEONLY_KEY_PASSPHRASE: override };
  if (mode === 'external') {
    const config = loadConfig(EXTERNAL_SEAL_CONFIG, withOverride);
    return {
      passphrase: config.ONCEONLY_KEY_PASSPHRASE,
      caFiles: { cert: config.ONCEONLY_CA_CERT, key: config.ONCEONLY_CA_KEY },
      defaultValidityDays: config.ONCEONLY_SEAL_VALIDITY_DAYS,
      trustListHours: config.ONCEONLY_TRUST_LIST_HOURS,
    };
  }
  const config = loadConfig(EMBEDDED_SEAL_CONFIG, withOverride);
  const cert = config.ONCEONLY_CA_CERT;
  const key = config.ONCEONLY_CA_KEY;
  if ((cert === undefined) !== (key === undefined)) {
    throw new AppError('CONFIG_MISSING', 'ONCEONLY_CA_CERT and ONCEONLY_CA_KEY go together: set both or neither');
  }
  let passphrase = config.ONCEONLY_KEY_PASSPHRASE;
  if (passphrase === undefined) {
    log.warn('ONCEONLY_KEY_PASSPHRASE is not set: seal keys use the development default passphrase (not a secret)');
    passphrase = DEV_PASSPHRASE;
  }
  return {
    passphrase,
    caFiles: cert !== undefined && key !== undefined ? { cert, key } : undefined,
    defaultValidityDays: config.ONCEONLY_SEAL_VALIDITY_DAYS,
    trustListHours: config.ONCEONLY_TRUST_LIST_HOURS,
  };
}
