import type { Queryable, Transaction } from '@onceonly/store';
import type { EvidenceNotification, EvidencePiece, EvidenceRequest, ReuseRecord, Watch } from '../domain/consent.js';
import type { Resolution } from '../domain/resolution.js';
import type { MaterialsDeps } from './ports.js';

/** Explicit requests, their pieces, watches of certificates, deliveries and notifications. */
export interface ConsentStore {
  /** A resolution by id, or the department's latest for an application. */
  resolution(
    db: Queryable,
    query: { id: string } | { applicationId: string; departmentCode: string },
  ): Promise<Resolution | undefined>;
  /** Stores a new request, its pieces and a watch per certificate piece. */
  insertRequest(tx: Transaction, request: EvidenceRequest): Promise<void>;
  /** One request with its pieces; `lock`: the row is locked for the transaction (decisions serialize on it). */
  request(db: Queryable, id: string, lock?: boolean): Promise<EvidenceRequest | undefined>;
  /** Writes the pieces' status and state. */
  savePieces(tx: Transaction, pieces: readonly EvidencePiece[]): Promise<void>;
  /** The applicant's requests, newest first; `open`: only those with a pending piece, not expired at `now`. */
  requestsOf(db: Queryable, applicantKey: string, open?: { now: Date }): Promise<EvidenceRequest[]>;
  /** Ids of requests expired at `now` that still have pending pieces (at most `limit`). */
  dueForExpiry(db: Queryable, now: Date, limit: number): Promise<string[]>;
  /** The accepted piece that lets `departmentCode` be served a material for an application, if any. */
  acceptedMaterial(
    db: Queryable,
    query: { materialId: string; applicationId: string; departmentCode: string },
  ): Promise<{ request: EvidenceRequest; piece: EvidencePiece } | undefined>;
  addReuse(tx: Transaction, reuse: ReuseRecord): Promise<void>;
  reusesOf(db: Queryable, applicantKey: string): Promise<ReuseRecord[]>;
  /** The pieces watching a certificate id (locked with their requests' rows for the transaction). */
  watches(tx: Transaction, certificateId: string): Promise<Watch[]>;
  addWatches(tx: Transaction, certificateId: string, pieceIds: readonly string[]): Promise<void>;
  addNotifications(tx: Transaction, notifications: readonly EvidenceNotification[]): Promise<void>;
  notificationsOf(
    db: Queryable,
    query: { departmentCode: string; applicationId?: string; limit: number },
  ): Promise<EvidenceNotification[]>;
}

/** The events of explicit requests, previews, decisions, reuses and notifications, in their transaction. */
export interface ConsentOutbox {
  requested(tx: Transaction, request: EvidenceRequest, actor: string): Promise<void>;
  previewed(
    tx: Transaction,
    request: EvidenceRequest,
    pieceIds: readonly string[],
    portal: string,
    at: Date,
  ): Promise<void>;
  decided(
    tx: Transaction,
    request: EvidenceRequest,
    pieces: readonly EvidencePiece[],
    decision: 'accepted' | 'rejected' | 'expired',
    actor: string,
    at: Date,
  ): Promise<void>;
  reused(tx: Transaction, reuse: ReuseRecord): Promise<void>;
  refused(
    tx: Transaction,
    refusal: { request: EvidenceRequest; pieceId: string; reader: string; role: string; code: string },
    at: Date,
  ): Promise<void>;
  changed(tx: Transaction, notification: EvidenceNotification, causeEventId: string): Promise<void>;
  reusesRead(
    tx: Transaction,
    read: { applicantKey: string; reader: string; role: string; count: number },
    at: Date,
  ): Promise<void>;
}

/** What the consent use cases need beside the service's other dependencies. */
export interface ConsentDeps extends MaterialsDeps {
  readonly consent: ConsentStore;
  readonly consentOutbox: ConsentOutbox;
  /** How long an applicant has to decide on a request's pieces. */
  readonly previewTtlMs: number;
}
