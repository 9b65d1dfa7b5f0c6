import { type CitizenId, maskCitizenId } from '@onceonly/ids';
import type { Database, Queryable, Transaction } from '@onceonly/store';
import type { LicensingItem } from '../domain/catalogue.js';
import type { Owner, Reuse, StoredMaterial } from '../domain/library.js';
import type { CertificateLookup, Resolution } from '../domain/resolution.js';
import type { CreditProfiles, DataProvider } from './source-ports.js';

/** An applicant as a request names it: by credit code, or by citizen ID (keyed and masked at once). */
export type NamedApplicant =
  | { readonly kind: 'organisation'; readonly code: string }
  | { readonly kind: 'citizen'; readonly id: CitizenId };

/** The versioned catalogue of items. */
export interface ItemStore {
  /** The latest version of every item, by code. */
  latest(db: Queryable): Promise<LicensingItem[]>;
  /** One item at a version, or its latest version. */
  get(db: Queryable, code: string, version?: number): Promise<LicensingItem | undefined>;
  /** The versions of an item, oldest first. */
  versions(db: Queryable, code: string): Promise<number[]>;
  /** Adds the items not stored yet (code and version); a stored version is never changed. */
  seed(db: Database, items: readonly LicensingItem[], at: Date): Promise<void>;
}

/** The library's records (metadata) and reuses. */
export interface MaterialStore {
  find(db: Queryable, ownerKey: string, materialType: string, sha256: string): Promise<StoredMaterial | undefined>;
  get(db: Queryable, id: string): Promise<StoredMaterial | undefined>;
  insert(tx: Transaction, material: StoredMaterial): Promise<void>;
  /** The owner's materials, newest first; `visibleTo`: only those this department stored or reused. */
  byOwner(db: Queryable, ownerKey: string, visibleTo?: string): Promise<StoredMaterial[]>;
  reuses(db: Queryable, materialId: string): Promise<Reuse[]>;
  addReuses(tx: Transaction, reuses: readonly Reuse[], resolutionId: string, at: Date): Promise<void>;
}

/** The content of materials, by digest, encrypted at rest by the adapter. */
export interface ContentVault {
  /** Stores the bytes under their digest (once: the same digest again is a no-op). */
  put(tx: Transaction, sha256: string, content: Uint8Array, at: Date): Promise<void>;
  get(db: Queryable, sha256: string): Promise<Uint8Array | undefined>;
}

export interface ResolutionStore {
  /**
   * Commits the resolution, the reuses of stored materials it made, and `materials.resolution.made`, all or nothing
   * (one statement: ADR 041).
   */
  commit(db: Queryable, resolution: Resolution, reuses: readonly Reuse[], actor: string): Promise<void>;
  /**
   * The evidence (`evidenceKeyOf`) the applicant refused to have reused for this department's application: a
   * piece of its requests rejected or expired, and no piece with the same evidence accepted.
   */
  refused(db: Queryable, departmentCode: string, applicationId: string): Promise<Set<string>>;
}

/** The certificate service, asked about an applicant's certificates of some types. */
export interface Certificates {
  /**
   * The applicant's certificate of each type with its live status as verified now; `unavailable` for every type
   * when the provider did not answer.
   */
  lookup(applicant: NamedApplicant, typeCodes: readonly string[]): Promise<Map<string, CertificateLookup>>;
}

/** The events of the changes, written in their transaction. */
export interface MaterialsOutbox {
  stored(tx: Transaction, material: StoredMaterial, actor: string, at: Date): Promise<void>;
  accessed(
    tx: Transaction,
    access: { material: StoredMaterial; reader: string; role: string; applicationId?: string; granted: boolean },
    at: Date,
  ): Promise<void>;
}

/** What the use cases need. */
export interface MaterialsDeps {
  readonly db: Database;
  readonly clock: () => Date;
  readonly items: ItemStore;
  readonly materials: MaterialStore;
  readonly vault: ContentVault;
  readonly resolutions: ResolutionStore;
  readonly certificates: Certificates;
  /** The credit service (credit profile facts); absent: those sources answer SOURCE_NOT_CONNECTED. */
  readonly credit?: CreditProfiles;
  /** The assistance service (catalogue items answered by a department); absent: SOURCE_NOT_CONNECTED. */
  readonly assistance?: DataProvider;
  readonly outbox: MaterialsOutbox;
  readonly relay: { kick(): void };
  readonly newId: () => string;
  /** The keyed hash of a citizen ID (the hub's holder-hash key): one person, one key across services. */
  readonly hashCitizenId: (citizenId: CitizenId) => string;
  /** The size limit of one material, in bytes. */
  readonly maxMaterialBytes: number;
}

/** The caller, as the transport established it. */
export interface Actor {
  readonly code: string;
  readonly role: string;
}

/** The owner as the service keeps it: a person only by keyed hash and mask. */
export function ownerOf(deps: Pick<MaterialsDeps, 'hashCitizenId'>, named: NamedApplicant): Owner {
  if (named.kind === 'organisation') return { kind: 'organisation', key: named.code, display: named.code };
  return { kind: 'person', key: deps.hashCitizenId(named.id), display: maskCitizenId(named.id) };
}
