import type { CitizenId } from '@onceonly/ids';
import type { Database, Queryable, Transaction } from '@onceonly/store';
import type { PlainDate, WorkCalendar } from '@onceonly/workdays';
import type { Commitment } from '../domain/commitments.js';
import type { Grade, GradeLetter } from '../domain/grades.js';
import type { CreditRecord, RecordFact, Subject } from '../domain/records.js';

/** A subject's grade as stored: the grade and the version of the subject (the optimistic-concurrency token). */
export interface StoredGrade extends Grade {
  readonly version: number;
}

/** One step of a subject's grade history. */
export interface GradeChange {
  readonly grade: StoredGrade;
  readonly previous?: GradeLetter;
  readonly causeRecordId?: string;
  readonly changedAt: Date;
}

/** Records, grades and their history. Changes are conditional on the versions read: no lock across round trips. */
export interface CreditStore {
  /** Every record of a subject (oldest decision first) and its stored grade. */
  subject(db: Queryable, key: string): Promise<{ records: CreditRecord[]; grade?: StoredGrade }>;
  record(db: Queryable, id: string): Promise<CreditRecord | undefined>;
  /** The id of the record of one department's decision of a kind with this number, whoever it is about. */
  decisionRecorded(
    db: Queryable,
    owner: string,
    kind: CreditRecord['kind'],
    number: string,
  ): Promise<string | undefined>;
  insertRecord(tx: Transaction, record: CreditRecord, at: Date): Promise<void>;
  /** Saves a changed record if it is still at `expectedVersion`; false when another change committed first. */
  updateRecord(tx: Transaction, record: CreditRecord, expectedVersion: number, at: Date): Promise<boolean>;
  /**
   * Saves the subject's grade if the subject is still at `expectedVersion` (0: no grade stored yet); false when
   * another change of the subject committed first.
   */
  saveGrade(tx: Transaction, key: string, grade: StoredGrade, expectedVersion: number, at: Date): Promise<boolean>;
  addHistory(tx: Transaction, key: string, change: GradeChange): Promise<void>;
  /** The records public on `query.day`: published, inside their window, not repaired; newest first. */
  publicRecords(db: Queryable, query: FeedQuery): Promise<{ records: CreditRecord[]; next?: FeedCursor }>;
  /** Subjects whose grade's `reviewOn` is `today` or earlier, at most `limit`, earliest first. */
  dueForReview(db: Queryable, today: PlainDate, limit: number): Promise<string[]>;
  /** The subject's grade changes, oldest first. */
  history(db: Queryable, key: string): Promise<GradeChange[]>;
}

/** Where a feed page starts: after this record (newest first). */
export interface FeedCursor {
  readonly publicFrom: string;
  readonly id: string;
}

export interface FeedQuery {
  /** The day the feed is of: records public on it. */
  readonly day: PlainDate;
  readonly subjectKey?: string;
  readonly kind?: CreditRecord['kind'];
  readonly pageSize: number;
  readonly after?: FeedCursor;
}

/** Idempotency keys of the Record* RPCs, per caller. */
export interface IdempotencyStore {
  find(db: Queryable, caller: string, key: string): Promise<{ requestHash: string; recordId: string } | undefined>;
  insert(tx: Transaction, caller: string, key: string, requestHash: string, recordId: string, at: Date): Promise<void>;
}

/** A subject's grade change, as its event says it. */
export interface GradeChangeFact {
  readonly grade: StoredGrade;
  readonly previous?: GradeLetter;
  /** The record whose change caused it. */
  readonly cause?: string;
}

/** A commitment as stored: the commitment and the id of the event that tracked it (the cause of its check). */
export interface StoredCommitment {
  readonly commitment: Commitment;
  readonly trackedEventId: string;
}

/** Commitments (告知承诺). Changes are conditional on the version read. */
export interface CommitmentStore {
  find(db: Queryable, id: string): Promise<StoredCommitment | undefined>;
  /** A subject's commitments, by due date. */
  ofSubject(db: Queryable, key: string): Promise<Commitment[]>;
  insert(tx: Transaction, commitment: Commitment, trackedEventId: string, at: Date): Promise<void>;
  /** Saves a checked commitment if it is still at `expectedVersion`; false when another change committed first. */
  update(tx: Transaction, commitment: Commitment, expectedVersion: number, at: Date): Promise<boolean>;
  /** Open commitments due before `today` whose overdue post-check was not announced yet, at most `limit`. */
  overdue(db: Queryable, today: PlainDate, limit: number): Promise<StoredCommitment[]>;
  /** Marks a commitment overdue on `today` if it is still open and unmarked; false otherwise (checked meanwhile). */
  markOverdue(tx: Transaction, id: string, today: PlainDate, at: Date): Promise<boolean>;
}

/** A commitment's change, as its event tells it. */
export type CommitmentFact = 'tracked' | 'kept' | 'broken' | 'overdue';

/** The events of a change, written into the outbox in the change's transaction. */
export interface CreditOutbox {
  /** A record's change and, when the grade says something new, `credit.grade.changed`: one outbox insert. */
  change(
    tx: Transaction,
    change: {
      record: CreditRecord;
      fact: RecordFact;
      actor: string;
      grade?: GradeChangeFact;
      at: Date;
      /** The record event's id (default: a new one), so that a later event of the change can name it as cause. */
      eventId?: string;
      /** The id of the event that caused the change, when it is not the consumed event (see `withCausation`). */
      cause?: string;
    },
  ): Promise<void>;
  /** A commitment tracked or checked; answers the event's id. */
  commitment(
    tx: Transaction,
    /** `actor` absent: the hub's own finding (an overdue post-check), no caller acted. */
    change: { commitment: Commitment; fact: CommitmentFact; actor?: string; at: Date; cause?: string },
  ): Promise<string>;
  /** A grade recomputed as time passed (no record changed, no actor). */
  regraded(
    tx: Transaction,
    change: { subject: Subject; name: string; grade: GradeChangeFact; at: Date },
  ): Promise<void>;
  /** A read of a subject's profile by a department or an auditor. */
  profileRead(
    tx: Transaction,
    read: {
      subject: Subject;
      name: string;
      reader: string;
      role: string;
      purpose: string;
      at: Date;
      /** Set when one record was read (GetRecord), not the whole profile. */
      recordId?: string;
    },
  ): Promise<void>;
}

/** What the use cases need. */
export interface CreditDeps {
  readonly db: Database;
  readonly clock: () => Date;
  readonly calendar: WorkCalendar;
  readonly store: CreditStore;
  readonly idempotency: IdempotencyStore;
  readonly outbox: CreditOutbox;
  readonly commitments: CommitmentStore;
  readonly relay: { kick(): void };
  readonly newId: () => string;
  /** The keyed hash of a citizen ID (the hub's holder-hash key): one person, one key across services. */
  readonly hashCitizenId: (citizenId: CitizenId) => string;
}
