import type { CitizenId } from '@onceonly/ids';
import type { Database, Queryable, Transaction } from '@onceonly/store';
import type { PlainDate, WorkCalendar } from '@onceonly/workdays';
import type { CatalogueItem } from '../domain/catalogue.js';
import type { DeadlineAlert, DeadlineAlertKind } from '../domain/deadlines.js';
import type { AssistanceRequest, RequestFact, RequestStatus } from '../domain/request.js';

/** The catalogue's item versions. */
export interface ItemStore {
  /** Every version of every item, by code then version. */
  all(db: Queryable): Promise<CatalogueItem[]>;
  /** Adds the versions not stored yet (a seed or a revision); stored versions are never changed. */
  add(db: Queryable, items: readonly CatalogueItem[]): Promise<void>;
  /** One version of an item (the latest without `version`). @throws AppError ASSIST_ITEM_UNKNOWN. */
  find(db: Queryable, code: string, version?: number): Promise<CatalogueItem>;
  /** The latest stored version of an item as the database has it now (no copy), undefined for a new code. */
  latest(db: Queryable, code: string): Promise<CatalogueItem | undefined>;
  /**
   * Stores a published version if the latest stored is still `item.version - 1` (0: none): one conditional
   * statement; false when another publication of the code committed first (nothing written).
   */
  publish(tx: Transaction, item: CatalogueItem, at: Date): Promise<boolean>;
  /** Drops any copy this process holds (after a publication committed): the next read is the database's. */
  forget(): void;
}

/** Where a list page starts: after this request (newest first). */
export interface PageCursor {
  readonly createdAt: string;
  readonly id: string;
}

export interface ListQuery {
  readonly side: 'provider' | 'requester';
  readonly department: string;
  readonly statuses: readonly RequestStatus[];
  readonly itemCode?: string;
  /** Only requests whose clock runs and whose due date is before `today`. */
  readonly overdueBefore?: PlainDate;
  readonly pageSize: number;
  readonly after?: PageCursor;
}

/** The requests. Changes are conditional on the version read (optimistic concurrency): no lock across round trips. */
export interface RequestStore {
  get(db: Queryable, id: string): Promise<AssistanceRequest | undefined>;
  insert(tx: Transaction, request: AssistanceRequest, at: Date): Promise<void>;
  /** Saves a changed request if it is still at `expectedVersion`; false when another change committed first. */
  update(tx: Transaction, request: AssistanceRequest, expectedVersion: number, at: Date): Promise<boolean>;
  list(db: Queryable, query: ListQuery): Promise<{ requests: AssistanceRequest[]; next?: PageCursor }>;
  /** What the sweep looks at: clocks running, written forms awaited, finished requests holding a person's data. */
  forSweep(db: Queryable): Promise<AssistanceRequest[]>;
  /** The requests one department provides or made (every request for the coordinator), for the indicators. */
  forIndicators(
    db: Queryable,
    department: string | undefined,
    from?: PlainDate,
    to?: PlainDate,
  ): Promise<AssistanceRequest[]>;
}

/** Idempotency keys of SubmitRequest. */
export interface IdempotencyStore {
  find(tx: Queryable, requester: string, key: string): Promise<{ requestHash: string; requestId: string } | undefined>;
  insert(
    tx: Transaction,
    requester: string,
    key: string,
    requestHash: string,
    requestId: string,
    at: Date,
  ): Promise<void>;
}

/** The deadline alerts published, each once. */
export interface AlertStore {
  /** Records the alert; false when it was recorded before (then it is not published again). */
  record(
    tx: Transaction,
    alert: { requestId: string; kind: DeadlineAlertKind; date: PlainDate; at: Date },
  ): Promise<boolean>;
}

/** The events of a change, written into the outbox in the change's transaction. */
export interface AssistanceOutbox {
  append(
    tx: Transaction,
    change: { request: AssistanceRequest; fact: RequestFact; actor: string; at: Date },
  ): Promise<void>;
  /** A deadline alert of the sweep (the hub acts: no actor). */
  alert(tx: Transaction, alert: { request: AssistanceRequest; alert: DeadlineAlert; at: Date }): Promise<void>;
  /** A read of a request by someone who is neither of its departments (the coordinator, an auditor). */
  read(
    tx: Transaction,
    read: { request: AssistanceRequest; reader: string; role: 'coordinator' | 'auditor'; at: Date },
  ): Promise<void>;
  /** A catalogue item published (a new item or the next version of one), keyed by the item code. */
  published(tx: Transaction, publication: { item: CatalogueItem; actor: string; at: Date }): Promise<void>;
  /** Personal data purged after the retention period. */
  purged(
    tx: Transaction,
    purge: { request: AssistanceRequest; closedOn: PlainDate; retentionDays: number; at: Date },
  ): Promise<void>;
}

/** What the use cases need. */
export interface AssistanceDeps {
  readonly db: Database;
  readonly clock: () => Date;
  readonly calendar: WorkCalendar;
  readonly items: ItemStore;
  readonly requests: RequestStore;
  readonly idempotency: IdempotencyStore;
  readonly outbox: AssistanceOutbox;
  readonly alerts: AlertStore;
  readonly relay: { kick(): void };
  readonly newId: () => string;
  /** The keyed hash of a citizen ID (the hub's holder-hash key): one person, one key across services. */
  readonly hashCitizenId: (citizenId: CitizenId) => string;
}
