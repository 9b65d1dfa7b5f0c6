import type { CertificateAuthority, Clock } from '@onceonly/seal';
import type { Queryable } from '@onceonly/store';
import type { SealKind, SealRecord } from '../../domain/seals/seal.js';
import type { SealFact } from '../../domain/seals/seal-facts.js';
import type { Departments } from '../ports.js';

/**
 * The ports of the seal use cases. Every store method takes the Queryable to run on, so that a use case can run
 * several of them and its outbox events in one transaction.
 */

/** A seal with the root certificate that issued it (for the JWS `x5c` chain). */
export interface SealWithIssuer {
  readonly seal: SealRecord;
  readonly issuerPem: string;
}

/** A root CA the hub has used. */
export interface TrustRoot {
  readonly fingerprintSha256: string;
  readonly certificatePem: string;
}

/** What a seal list asks for. */
export interface SealQuery {
  /** Undefined: every department (auditors). */
  readonly departmentCode?: string | undefined;
  /** False: only seals that sign now (active and within validity). */
  readonly includeInactive: boolean;
  readonly now: Date;
  /** Keyset position: seals after this (created_at, id). */
  readonly after?: { readonly createdAt: Date; readonly id: string } | undefined;
  readonly limit: number;
}

/** Change of a seal's state. */
export type SealChange =
  | { readonly kind: 'rotated'; readonly at: Date; readonly rotatedTo: string }
  | {
      readonly kind: 'revoked';
      readonly at: Date;
      readonly compromisedAt: Date;
      readonly reason: string;
    }
  | { readonly kind: 'expired' };

/** Where seals, roots and the seed marker live. */
export interface SealStore {
  insertSeal(q: Queryable, seal: SealRecord): Promise<void>;
  /** The seal with this kid; `forUpdate` locks its row until the transaction ends. */
  findByKid(q: Queryable, kid: string, options?: { forUpdate?: boolean }): Promise<SealRecord | undefined>;
  /** The active seal of a department and kind, else its latest seal of that kind; with its issuing root. */
  currentSeal(q: Queryable, departmentCode: string, kind: SealKind): Promise<SealWithIssuer | undefined>;
  /** The active seal of a department and kind, locked. */
  activeForUpdate(q: Queryable, departmentCode: string, kind: SealKind): Promise<SealRecord | undefined>;
  /** The seal (any state) with its issuing root. */
  withIssuer(q: Queryable, kid: string): Promise<SealWithIssuer | undefined>;
  changeSeal(q: Queryable, kid: string, change: SealChange): Promise<void>;
  listSeals(q: Queryable, query: SealQuery): Promise<SealRecord[]>;
  /** Every seal, oldest first (for the trust bundle). */
  allSeals(q: Queryable): Promise<SealRecord[]>;
  /** The compromise time of a revoked seal; undefined for any other kid. */
  compromiseTime(q: Queryable, kid: string): Promise<Date | undefined>;
  /** Changes whenever a seal or a root is added or a seal changes state: the trust bundle's cache key. */
  bundleVersion(q: Queryable): Promise<string>;
  /** Records a root CA (once per fingerprint). */
  recordRoot(q: Queryable, root: TrustRoot, at: Date): Promise<void>;
  /** Every root the hub has used, oldest first. */
  roots(q: Queryable): Promise<TrustRoot[]>;
  /** The most recent seal of any state: the start-up check of the passphrase decrypts it. */
  anySeal(q: Queryable): Promise<SealRecord | undefined>;
  /** Whether a seed has been recorded. */
  hasSeed(q: Queryable, name: string): Promise<boolean>;
  /** Records a seed; false when it was already recorded (another process seeded first). */
  claimSeed(q: Queryable, name: string, at: Date, departments: readonly string[]): Promise<boolean>;
}

/** Writes a seal fact to the outbox, inside the caller's transaction. */
export interface SealEventOutbox {
  append(tx: Queryable, fact: SealFact): Promise<void>;
}

/** The hub's CA as the seal use cases need it. */
export interface HubCa {
  readonly authority: CertificateAuthority;
  readonly certPem: string;
  readonly fingerprintSha256: string;
  readonly notAfter: Date;
}

/** What every seal use case gets. */
export interface SealDeps {
  readonly store: SealStore;
  readonly ca: HubCa;
  /** Encrypts seal keys at rest (and decrypts them to sign). */
  readonly passphrase: string;
  readonly clock: Clock;
  /** Validity of a seal certificate when the request names none. */
  readonly defaultValidityDays: number;
  /** How long a trust list is current, in hours; `TRUST_LIST_VALIDITY_HOURS` (7 days) when unset. */
  readonly trustListHours?: number;
  /** Where seal facts go: the outbox, in the transaction of the change they tell. */
  readonly events: SealEventOutbox;
  /** The bodies known to the hub: a known department's seal carries its registered name and division. */
  readonly departments: Departments;
  /** Called after a seal changed state, so that cached signers are dropped. */
  readonly onSealChanged?: (kid: string) => void;
}
