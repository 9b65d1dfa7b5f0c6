import { AppError } from '@onceonly/errors';

// Least privilege over the audit log: who may read which entries. Pure rules, decided only from what the log keeps
// beside each leaf (its CloudEvents attributes and the parties its extension attributes name), never from bodies.

/** The certificate service's source, and the type of a platform's licence check. */
export const CERTIFICATE_SOURCE = '/onceonly/certificate';
export const LICENCES_CHECKED = 'certificate.licences-checked';

/** Who reads, as the transport established it; `onBehalfOf` is the holder subject a portal reads for. */
export interface Reader {
  readonly code: string;
  readonly role: string;
  readonly onBehalfOf?: string | undefined;
}

/** What the rule looks at in an entry. */
export interface ReadableEntry {
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  /** Who acted (extension `actor`), when the event says. */
  readonly actor?: string | undefined;
  /** The department whose certificate or seal the event is about (extension `issuer`). */
  readonly issuer?: string | undefined;
  /** A law keeps the entry from its holder until then (extension `secretuntil`). */
  readonly secretUntil?: Date | undefined;
}

/** The filter of a search, as the rule narrows it. */
export interface ReadFilter {
  readonly subject?: string | undefined;
  readonly type?: string | undefined;
  readonly source?: string | undefined;
}

/**
 * Whether `reader` may read `entry` at `now`:
 * - an auditor reads everything;
 * - a department reads what it did (`actor`) and what is about its certificates and seals (`issuer`);
 * - a platform reads its own licence checks only (`certificate.licences-checked` keyed by its code);
 * - the portal reads the entries of the holder it acts for, each once any secrecy a law sets has passed;
 * - anyone else reads nothing.
 */
export function mayRead(reader: Reader, entry: ReadableEntry, now: Date): boolean {
  if (reader.code === '') return false;
  switch (reader.role) {
    case 'auditor':
      return true;
    case 'department':
      return entry.actor === reader.code || entry.issuer === reader.code;
    case 'platform':
      return isCheckBy(reader.code, entry);
    case 'portal':
      return !!reader.onBehalfOf && entry.subject === reader.onBehalfOf && !isSecret(entry, now);
    default:
      return false;
  }
}

/** True while a law keeps the entry from its holder. */
export function isSecret(entry: Pick<ReadableEntry, 'secretUntil'>, now: Date): boolean {
  return entry.secretUntil !== undefined && entry.secretUntil.getTime() > now.getTime();
}

function isCheckBy(platform: string, entry: ReadableEntry): boolean {
  const byActor = entry.actor === undefined || entry.actor === platform;
  return (
    entry.source === CERTIFICATE_SOURCE && entry.type === LICENCES_CHECKED && entry.subject === platform && byActor
  );
}

/**
 * The search a reader may run, or AUDIT_READ_DENIED: a platform's search is pinned to its own checks (asking for
 * anything else is refused, not silently emptied), the portal must name the holder it acts for (the subject), a
 * department and an auditor search freely (a department's results are then filtered by {@link mayRead}).
 */
export function searchScope(reader: Reader, filter: ReadFilter): { filter: ReadFilter; reader: Reader } {
  switch (reader.role) {
    case 'auditor':
    case 'department':
      return { filter, reader };
    case 'platform':
      return { filter: platformFilter(reader, filter), reader };
    case 'portal':
      if (!filter.subject) throw denied(reader, 'the portal must name the holder it reads for (subject)');
      return { filter, reader: { ...reader, onBehalfOf: filter.subject } };
    default:
      throw denied(reader, 'this role reads no entries');
  }
}

function platformFilter(reader: Reader, filter: ReadFilter): ReadFilter {
  const outside =
    (filter.subject && filter.subject !== reader.code) ||
    (filter.type && filter.type !== LICENCES_CHECKED) ||
    (filter.source && filter.source !== CERTIFICATE_SOURCE);
  if (outside) throw denied(reader, 'a platform reads only the entries of its own licence checks');
  return { ...filter, subject: reader.code, type: LICENCES_CHECKED, source: CERTIFICATE_SOURCE };
}

/** Throws AUDIT_READ_DENIED unless `reader` may read every one of `entries`. */
export function assertMayReadAll(reader: Reader, entries: readonly ReadableEntry[], now: Date): void {
  if (entries.some((e) => !mayRead(reader, e, now))) throw denied(reader, 'these entries are not yours to read');
}

/** The AUDIT_READ_DENIED error for `reader`. */
export function denied(reader: Reader, why: string): AppError {
  return new AppError('AUDIT_READ_DENIED', `${reader.role} ${reader.code}: ${why}`, {
    details: { meta: { role: reader.role } },
  });
}

/** The parties an event's extension attributes name, as the log keeps them beside its leaf. */
export function partiesOf(extensions: Readonly<Record<string, string>> | undefined): {
  actor?: string;
  issuer?: string;
  secretUntil?: Date;
} {
  if (extensions === undefined) return {};
  const { actor, issuer, secretuntil } = extensions;
  return {
    ...(actor ? { actor } : {}),
    ...(issuer ? { issuer } : {}),
    ...(secretuntil ? { secretUntil: secretUntilOf(secretuntil) } : {}),
  };
}

// an unreadable secrecy date keeps the entry secret for good: refusing too long is fixable, disclosing is not
const FOREVER = new Date('9999-12-31T23:59:59.999Z');
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function secretUntilOf(value: string): Date {
  const at = RFC3339.test(value) ? new Date(value) : undefined;
  return at === undefined || Number.isNaN(at.getTime()) ? FOREVER : at;
}
