import type { LicensingItem, MaterialSource } from './catalogue.js';
import { isCurrent, type Owner, type StoredMaterial } from './library.js';

/**
 * The resolution (两个免于提交): per material of an item, EXEMPT with the evidence of the first source that matched,
 * or REQUIRED with the reason of the source that came closest. Pure: the use case gathers what the providers
 * answered (the certificate service, the library) and this decides.
 */

/** A certificate's live status, as the certificate service answers it. */
export type CertificateStatus =
  | 'valid'
  | 'suspended'
  | 'withdrawn'
  | 'cancelled'
  | 'expired'
  | 'transferred-out'
  | 'revoked'
  | 'other'
  | 'unknown';

/** What the certificate service answered for one type of certificate of the applicant. */
export type CertificateLookup =
  | {
      readonly kind: 'found';
      readonly certificateId: string;
      readonly typeCode: string;
      readonly number: string;
      readonly status: CertificateStatus;
      /** YYYY-MM-DD; absent: long-term. */
      readonly validTo?: string;
      /** The verification's verdict (seal, record, status, validity). */
      readonly verified: boolean;
      readonly verifiedAt: Date;
    }
  | { readonly kind: 'none' }
  | { readonly kind: 'unavailable' };

export type RequiredReason =
  | 'no-source'
  | 'certificate-not-found'
  | 'certificate-revoked'
  | 'certificate-suspended'
  | 'certificate-expired'
  | 'certificate-not-valid'
  | 'provider-unavailable'
  | 'no-stored-material'
  | 'material-expired'
  | 'source-not-connected'
  /** The data provider answered, and its data does not satisfy the material. */
  | 'data-not-satisfied'
  /** The data provider was asked (an assistance request) and has not answered yet. */
  | 'data-requested'
  /** A source matched, and the applicant refused its reuse for the application (rejected, or let expire). */
  | 'not-consented';

/**
 * What a data source (the credit profile, an assistance catalogue item) answered about one fact of the applicant:
 * the fact holds (with what the answer said), does not hold, or the provider did not answer.
 */
export type DataLookup =
  | {
      readonly kind: 'satisfied' | 'not-satisfied';
      readonly provider: 'credit' | 'assistance';
      /** What the answer says, in words. */
      readonly value: string;
      /** YYYY-MM-DD: the day the answer is of. */
      readonly asOf: string;
      readonly checkedAt: Date;
    }
  /** Asked, no answer yet: `reference` names the question (the assistance request's id). */
  | { readonly kind: 'requested'; readonly reference: string }
  | { readonly kind: 'unavailable' };

export type Evidence =
  | {
      readonly kind: 'certificate';
      readonly certificateId: string;
      readonly typeCode: string;
      readonly number: string;
      readonly status: CertificateStatus;
      readonly validTo?: string;
      readonly verifiedAt: Date;
    }
  | {
      readonly kind: 'material';
      readonly materialId: string;
      readonly sha256: string;
      readonly materialType: string;
      readonly validUntil?: string;
    }
  | {
      readonly kind: 'data';
      readonly provider: 'credit' | 'assistance';
      readonly reference: string;
      readonly value: string;
      readonly asOf: string;
      readonly checkedAt: Date;
    };

/** A source tried that did not match. */
export interface SourceMiss {
  readonly source: MaterialSource;
  readonly reason: RequiredReason;
  /** The certificate or material looked at, when there was one. */
  readonly reference?: string;
}

export interface MaterialOutcome {
  readonly materialCode: string;
  readonly nameZh: string;
  readonly decision: 'exempt' | 'required';
  readonly evidence?: Evidence;
  readonly reason?: RequiredReason;
  readonly tried: readonly SourceMiss[];
}

export interface Resolution {
  readonly id: string;
  readonly applicationId: string;
  readonly applicant: Owner;
  readonly itemCode: string;
  readonly itemVersion: number;
  readonly resolvedBy: string;
  readonly resolvedAt: Date;
  readonly materials: readonly MaterialOutcome[];
  readonly exemptCount: number;
  readonly requiredCount: number;
}

/** What the providers answered for one applicant, gathered by the use case. */
export interface ResolutionFacts {
  /** By certificate type code, for every type the item's sources name. */
  readonly certificates: ReadonlyMap<string, CertificateLookup>;
  /** The applicant's stored materials. */
  readonly library: readonly StoredMaterial[];
  /** YYYY-MM-DD in China Standard Time. */
  readonly today: string;
  /** By {@link dataKeyOf} of each data source asked; a source not in it is not connected. */
  readonly data?: ReadonlyMap<string, DataLookup>;
  /**
   * The evidence ({@link evidenceKeyOf}) the applicant refused to have reused for this application and department:
   * a piece rejected or expired, none accepted. Such evidence is a miss (`not-consented`), and the next source is
   * tried.
   */
  readonly refused?: ReadonlySet<string>;
}

/**
 * Which reason a REQUIRED material reports when several sources missed: the one that came closest (a certificate
 * that exists but is not valid says more than a provider that did not answer, which says more than "none").
 */
const CLOSENESS: readonly RequiredReason[] = [
  'not-consented',
  'certificate-revoked',
  'certificate-suspended',
  'certificate-expired',
  'certificate-not-valid',
  'data-not-satisfied',
  'data-requested',
  'material-expired',
  'provider-unavailable',
  'certificate-not-found',
  'no-stored-material',
  'source-not-connected',
  'no-source',
];

const CERTIFICATE_MISS: Partial<Record<CertificateStatus, RequiredReason>> = {
  revoked: 'certificate-revoked',
  suspended: 'certificate-suspended',
  expired: 'certificate-expired',
};

type Tried = { evidence: Evidence } | SourceMiss;

function tryCertificate(source: MaterialSource & { kind: 'certificate' }, facts: ResolutionFacts): Tried {
  const lookup = facts.certificates.get(source.typeCode) ?? { kind: 'unavailable' };
  if (lookup.kind === 'unavailable') return { source, reason: 'provider-unavailable' };
  if (lookup.kind === 'none') return { source, reason: 'certificate-not-found' };
  const reference = lookup.certificateId;
  const pastEnd = lookup.validTo !== undefined && lookup.validTo < facts.today;
  if (lookup.status === 'valid' && pastEnd) return { source, reason: 'certificate-expired', reference };
  if (lookup.status !== 'valid' || !lookup.verified) {
    return { source, reason: CERTIFICATE_MISS[lookup.status] ?? 'certificate-not-valid', reference };
  }
  return {
    evidence: {
      kind: 'certificate',
      certificateId: lookup.certificateId,
      typeCode: lookup.typeCode,
      number: lookup.number,
      status: lookup.status,
      ...(lookup.validTo ? { validTo: lookup.validTo } : {}),
      verifiedAt: lookup.verifiedAt,
    },
  };
}

function tryLibrary(source: MaterialSource & { kind: 'library' }, facts: ResolutionFacts): Tried {
  const ofType = facts.library.filter((m) => m.materialType === source.materialType);
  if (ofType.length === 0) return { source, reason: 'no-stored-material' };
  // the newest current one: the applicant's latest submission of the type
  const current = ofType
    .filter((m) => isCurrent(m, facts.today))
    .sort((a, b) => b.uploadedAt.getTime() - a.uploadedAt.getTime() || (a.id < b.id ? -1 : 1))[0];
  if (!current) return { source, reason: 'material-expired', reference: ofType[0]!.id };
  return {
    evidence: {
      kind: 'material',
      materialId: current.id,
      sha256: current.sha256,
      materialType: current.materialType,
      ...(current.validUntil ? { validUntil: current.validUntil } : {}),
    },
  };
}

type DataSource = MaterialSource & { kind: 'assistance-item' | 'credit-profile' };

/** The key of a data source in {@link ResolutionFacts.data}: `credit:<fact>` or `assistance:<item code>`. */
export function dataKeyOf(source: DataSource): string {
  return source.kind === 'credit-profile' ? `credit:${source.fact}` : `assistance:${source.itemCode}`;
}

function tryData(source: DataSource, facts: ResolutionFacts): Tried {
  const lookup = facts.data?.get(dataKeyOf(source));
  if (!lookup) return { source, reason: 'source-not-connected' };
  if (lookup.kind === 'unavailable') return { source, reason: 'provider-unavailable' };
  if (lookup.kind === 'requested') return { source, reason: 'data-requested', reference: lookup.reference };
  const reference = source.kind === 'credit-profile' ? source.fact : source.itemCode;
  if (lookup.kind === 'not-satisfied') return { source, reason: 'data-not-satisfied', reference };
  return {
    evidence: {
      kind: 'data',
      provider: lookup.provider,
      reference,
      value: lookup.value,
      asOf: lookup.asOf,
      checkedAt: lookup.checkedAt,
    },
  };
}

/**
 * What identifies a piece of evidence across resolutions of one application: the certificate, the stored material,
 * or the data provider and fact. What the applicant refused is remembered by it.
 */
export function evidenceKeyOf(evidence: Evidence): string {
  switch (evidence.kind) {
    case 'certificate':
      return `certificate:${evidence.certificateId}`;
    case 'material':
      return `material:${evidence.materialId}`;
    default:
      return `data:${evidence.provider}:${evidence.reference}`;
  }
}

function trySource(source: MaterialSource, facts: ResolutionFacts): Tried {
  const tried = tryKind(source, facts);
  if (!('evidence' in tried) || !facts.refused?.has(evidenceKeyOf(tried.evidence))) return tried;
  // the source matches, and the applicant said no to this very evidence for this application
  return { source, reason: 'not-consented', reference: evidenceKeyOf(tried.evidence) };
}

function tryKind(source: MaterialSource, facts: ResolutionFacts): Tried {
  switch (source.kind) {
    case 'certificate':
      return tryCertificate(source, facts);
    case 'library':
      return tryLibrary(source, facts);
    default:
      return tryData(source, facts);
  }
}

/** The credit profile facts an item's sources name: what the use case asks the credit service about. */
export function creditFactsOf(item: LicensingItem): string[] {
  const out = new Set<string>();
  for (const m of item.materials) for (const s of m.sources) if (s.kind === 'credit-profile') out.add(s.fact);
  return [...out];
}

/** The assistance catalogue items an item's sources name: what the use case asks the assistance service about. */
export function assistanceItemsOf(item: LicensingItem): string[] {
  const out = new Set<string>();
  for (const m of item.materials) for (const s of m.sources) if (s.kind === 'assistance-item') out.add(s.itemCode);
  return [...out];
}

/** The certificate types an item's sources name: what the use case asks the certificate service about. */
export function certificateTypesOf(item: LicensingItem): string[] {
  const types = new Set<string>();
  for (const m of item.materials) for (const s of m.sources) if (s.kind === 'certificate') types.add(s.typeCode);
  return [...types];
}

/** Decides every material of `item` from `facts`. */
export function resolveItem(
  item: LicensingItem,
  facts: ResolutionFacts,
  context: { id: string; applicationId: string; applicant: Owner; resolvedBy: string; resolvedAt: Date },
): Resolution {
  const materials = item.materials.map((m): MaterialOutcome => {
    const tried: SourceMiss[] = [];
    for (const source of m.sources) {
      const result = trySource(source, facts);
      if ('evidence' in result) {
        return { materialCode: m.code, nameZh: m.nameZh, decision: 'exempt', evidence: result.evidence, tried };
      }
      tried.push(result);
    }
    const reason =
      tried.length === 0
        ? 'no-source'
        : tried.map((t) => t.reason).sort((a, b) => CLOSENESS.indexOf(a) - CLOSENESS.indexOf(b))[0]!;
    return { materialCode: m.code, nameZh: m.nameZh, decision: 'required', reason, tried };
  });
  const exemptCount = materials.filter((m) => m.decision === 'exempt').length;
  return {
    ...context,
    itemCode: item.code,
    itemVersion: item.version,
    materials,
    exemptCount,
    requiredCount: materials.length - exemptCount,
  };
}

/** The stored materials a resolution reused (their ids): the departments of its application may be served them. */
export function reusedMaterials(resolution: Resolution): string[] {
  return resolution.materials.flatMap((m) => (m.evidence?.kind === 'material' ? [m.evidence.materialId] : []));
}

/** YYYY-MM-DD of an instant in China Standard Time (UTC+8, no daylight saving). */
export function chinaDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
