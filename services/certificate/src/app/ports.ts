import type { SealStatus, Signer, TrustBundle } from '@onceonly/seal';
import type { Database, Queryable, Transaction } from '@onceonly/store';
import type { CertificateState } from '../domain/certificate.js';
import type { Consent } from '../domain/consent.js';
import type { Department, SealUse } from '../domain/departments.js';
import type { DomainEvent } from '../domain/events.js';
import type { CitizenIdHasher } from '../domain/holder.js';
import type { SealedRecord } from '../domain/sealing-record.js';

/**
 * The ports the use cases need. Adapters implement them (`adapters/db`), the composition root (`module.ts`) binds
 * them. SQL runs through `@onceonly/store`'s `Database` and `Transaction`, which the same code drives on PostgreSQL
 * and PGlite: a use case opens the transaction, every port method that writes takes it.
 */

/**
 * The seals of the departments, as the seal part of this service offers them (`app/seals`). Declared here by shape
 * so that the use cases depend on the role, not on its implementation.
 */
export interface SealKeys {
  /** @throws AppError SEAL_NOT_FOUND, SEAL_REVOKED, SEAL_EXPIRED. */
  activeSigner(departmentCode: string, kind: SealUse, at: Date): Promise<Signer>;
  sealStatus(kid: string): Promise<{ revokedAt?: Date } | undefined>;
  /** PEM: the root CA and every seal certificate. */
  trustBundle(): Promise<string>;
  /**
   * The parsed trust bundle and the seals' revocations, cached: a change made in this process is seen by every call
   * that starts after it returned, one made by another replica within a bounded time (ADR 012).
   */
  verificationTrust(): Promise<{
    readonly trustBundle: TrustBundle;
    sealStatus(kid: string): SealStatus | undefined;
  }>;
}

/** The bodies known to the hub, by credit code. */
export interface Departments {
  find(code: string): Department | undefined;
  all(): readonly Department[];
}

/** Where a certificate's bit lies in its issuer's status lists. */
export interface StatusListSlot {
  readonly listNumber: number;
  readonly index: number;
}

/** A holder digest: base64url SHA-256(salt ‖ citizen ID), and its salt (base64url), for `111` holders only. */
export interface HolderDigest {
  readonly digest: string;
  readonly salt: string;
}

/** One stored version: the domain state plus what sealing it produced. */
export interface CertificateRecord {
  readonly state: CertificateState;
  readonly jws: string;
  readonly qrPayload: string;
  readonly sealKid: string;
  readonly sealedAt: Date;
  readonly slot: StatusListSlot;
  readonly holderDigest?: HolderDigest;
}

/**
 * What a verification reads of a stored version: its state and sealing, and of its JWS only the payload part
 * (base64url), which is all it compares; not the chain in the JWS header nor the QR text (about 4 KB a licence).
 */
export type RecordToVerify = Omit<CertificateRecord, 'jws' | 'qrPayload'> & { readonly payloadPart: string };

/** The certificates table. */
export interface CertificateStore {
  insert(tx: Transaction, record: CertificateRecord): Promise<void>;
  /** Writes a new state of a stored version (status, dispute, superseded...); the seal stays. */
  updateState(tx: Transaction, state: CertificateState): Promise<void>;
  /** Reads and row-locks one version until the transaction ends. */
  lock(tx: Transaction, id: string): Promise<CertificateRecord | undefined>;
  get(q: Queryable, id: string): Promise<CertificateRecord | undefined>;
  getByIdentifier(q: Queryable, identifier: string): Promise<CertificateRecord | undefined>;
  /** The versions with these identifiers, by identifier, in one statement (absent ones left out), to verify. */
  getByIdentifiers(q: Queryable, identifiers: readonly string[]): Promise<Map<string, RecordToVerify>>;
  /** The current version of each licence with this number (one per type; `typeCode` narrows to one type). */
  currentByNumber(q: Queryable, number: string, typeCode?: string): Promise<CertificateRecord[]>;
  /** Every version of one licence (type + number), oldest first. */
  versions(q: Queryable, typeCode: string, number: string): Promise<CertificateState[]>;
  /** The newest version of each licence that a version id belongs to (following `supersededById`). */
  currentVersionsOf(q: Queryable, ids: readonly string[]): Promise<Map<string, CertificateState>>;
  /** Current versions held by each holder subject. */
  currentByHolders(q: Queryable, subjects: readonly string[]): Promise<Map<string, CertificateState[]>>;
  /** The seal and sealing time of each of these versions, by id, in one statement (absent ones left out). */
  sealingsOf(q: Queryable, ids: readonly string[]): Promise<Map<string, SealedRecord>>;
  /** Ids of current valid or suspended versions whose last valid day is before `today`. */
  dueForExpiry(q: Queryable, today: string, limit: number): Promise<string[]>;
  /** The states in one of an issuer's status lists, with their index. */
  statusListMembers(
    q: Queryable,
    issuerCode: string,
    listNumber: number,
  ): Promise<{ index: number; state: CertificateState }[]>;
  /**
   * The next status-list sequence of an issuer (0, 1, ...), for a new version, in a statement of its own
   * (autocommitted: the counter row is locked only for that statement). Unique and never reused; a change that fails
   * after taking one leaves a gap (docs/adr/008-licence-numbers-with-gaps.md).
   */
  nextStatusSequence(q: Queryable, issuerCode: string): Promise<number>;
  /**
   * Reserves blocks of licence numbers (by number scope: 1, 2, ...) and status-list sequences (by issuer: 0, 1, ...)
   * in one autocommitted statement (ADR 017): each counter advances by its count, and the answer is the first value of
   * each reserved range. Values are unique and never reused; those never handed out are gaps (docs/adr/008).
   */
  reserveCounters(
    q: Queryable,
    numbers: ReadonlyMap<string, number>,
    slots: ReadonlyMap<string, number>,
  ): Promise<{ numbers: Map<string, number>; slots: Map<string, number> }>;
  /**
   * Writes issued versions with their idempotency keys, in the caller's transaction, in one statement: a version
   * whose idempotency key another request holds (committed, or earlier in the same list) is not written
   * (`key-taken`), nor one that collides with a stored version (`exists`: same number and version, or identifier).
   * @returns one outcome per record, in order.
   */
  insertIssued(tx: Transaction, issued: readonly IssuedRow[]): Promise<IssueOutcome[]>;
}

/** An idempotency key of a request (empty `key`: none asked). */
export interface IdempotencyScope {
  readonly caller: string;
  readonly operation: string;
  readonly key: string;
}

/** What {@link CertificateDeps.takeForIssue} is asked. */
export interface IssueTakeRequest {
  /** The licence-number counter's scope; undefined when the number comes from elsewhere (a credit code). */
  readonly numberScope: string | undefined;
  readonly issuerCode: string;
}

/** What {@link CertificateDeps.takeForIssue} took: the licence number's sequence (0 without a scope) and the slot's. */
export interface IssueTaken {
  readonly sequence: number;
  readonly statusSequence: number;
}

/** An issued version to write, with the idempotency key that remembers it (`key` empty: none). */
export interface IssuedRow {
  readonly record: CertificateRecord;
  readonly idempotency: IdempotencyScope;
  readonly requestHash: string;
  readonly at: Date;
}

/** What became of an issued version in {@link CertificateStore.insertIssued}. */
export type IssueOutcome = 'inserted' | 'key-taken' | 'exists';

/** A remembered idempotent request. */
export interface IdempotentResult {
  readonly requestHash: string;
  readonly resultId: string;
}

/** Idempotency keys, per caller and operation. */
export interface IdempotencyStore {
  find(q: Queryable, caller: string, operation: string, key: string): Promise<IdempotentResult | undefined>;
  /** @throws the store's unique violation when a concurrent request took the key first. */
  save(
    tx: Transaction,
    caller: string,
    operation: string,
    key: string,
    result: IdempotentResult,
    at: Date,
  ): Promise<void>;
}

/** A page of consents. */
export interface ConsentPage {
  readonly consents: Consent[];
  readonly nextToken: string;
}

/** The consents table. */
export interface ConsentStore {
  insert(tx: Transaction, consent: Consent): Promise<void>;
  update(tx: Transaction, consent: Consent): Promise<void>;
  lock(tx: Transaction, id: string): Promise<Consent | undefined>;
  get(q: Queryable, id: string): Promise<Consent | undefined>;
  /** Consents given to a platform, grouped by holder subject. */
  forPlatform(q: Queryable, platformCode: string, subjects: readonly string[]): Promise<Map<string, Consent[]>>;
  list(
    q: Queryable,
    filter: { holderSubject?: string; platformCode?: string; activeAt?: Date },
    page: { size: number; token: string },
  ): Promise<ConsentPage>;
}

/** A domain event on its way to the outbox; `sealKid` fills CertificateIssued.seal_kid. */
export interface OutgoingEvent {
  readonly event: DomainEvent;
  readonly sealKid?: string;
}

/** Writes events to the outbox in the caller's transaction. */
export interface EventOutbox {
  append(tx: Transaction, events: readonly OutgoingEvent[]): Promise<void>;
}

/**
 * Records online verifications: each `certificate.verified` event is committed to the outbox before `record`
 * resolves, concurrent ones grouped into one transaction (app/group-commit.ts, ADR 012).
 * @throws AppError CERT_VERIFICATION_NOT_RECORDED when the transaction of its group failed.
 */
export interface VerificationLog {
  record(event: DomainEvent): Promise<void>;
  /** Resolves when no verification is waiting to be recorded. */
  idle(): Promise<void>;
}

/** An issued version, sealed, on its way to the issuing transaction with its idempotency key and event. */
export interface IssuedCommit extends IssuedRow {
  readonly event: DomainEvent;
}

/**
 * Commits issued versions (ADR 014): each with its idempotency key and its `certificate.issued` event, those of
 * concurrent issues grouped into one transaction (app/group-commit.ts). Resolves once the group committed.
 * @returns `inserted`, or why the version was not written (`key-taken`: another request with the same idempotency
 *   key committed it first; `exists`: a stored version has its number or identifier); neither writes its event.
 * @throws AppError CERT_ISSUE_NOT_COMMITTED when the transaction of its group failed (nothing of it was written).
 */
export interface IssueLog {
  commit(issued: IssuedCommit): Promise<IssueOutcome>;
  /** Resolves when no issue is waiting to be committed. */
  idle(): Promise<void>;
}

/** Wakes the relay after a commit (a no-op is fine: it also polls). */
export interface RelayKick {
  kick(): void;
}

/** Everything a use case may need. */
export interface CertificateDeps {
  readonly db: Database;
  readonly certificates: CertificateStore;
  readonly idempotency: IdempotencyStore;
  readonly consents: ConsentStore;
  readonly outbox: EventOutbox;
  readonly relay: RelayKick;
  /**
   * A licence number and a status-list slot for one issue, from blocks reserved ahead with
   * {@link CertificateStore.reserveCounters} (app/counter-blocks.ts, ADR 017): most issues send no statement for them.
   */
  readonly takeForIssue: (request: IssueTakeRequest) => Promise<IssueTaken>;
  /** Where IssueCertificate and IssueIndustryLicence commit what they issued (group commit). */
  readonly issues: IssueLog;
  /** Where VerifyCertificate records its `certificate.verified` events (group commit). */
  readonly verifications: VerificationLog;
  /**
   * A version by identifier, read in batches with concurrent callers (app/batch-read.ts): what VerifyCertificate reads
   * for a presented JWS or QR. Sees everything committed before the call.
   */
  readonly recordByIdentifier: (identifier: string) => Promise<RecordToVerify | undefined>;
  readonly keys: SealKeys;
  readonly departments: Departments;
  readonly clock: () => Date;
  readonly newId: () => string;
  /** Keyed hash of citizen IDs (holder keys). */
  readonly hashCitizenId: CitizenIdHasher;
  /** HMAC over request fingerprints (idempotency), keyed like holder keys so that no citizen ID is kept hashed plainly. */
  readonly fingerprint: (text: string) => string;
  /** Base URL of status list credentials, e.g. `https://hub.example/status-lists`. */
  readonly statusListBaseUrl: string;
}
