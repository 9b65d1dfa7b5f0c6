import { type Finding, finding } from '../findings.js';
import type { LoggableEvent } from '../leaf.js';
import type { CompareContext, Projection, ProjectionCheck } from '../projection.js';

/**
 * The certificate status projection: from the `certificate.*` events alone (topic `onceonly.certificate.v1`, bodies
 * of `proto/onceonly/certificate/v1/events.proto`), the version, status and successor of every certificate version
 * the events mention, keyed by certificate id; compared with what `CertificateService.GetCertificate` answers.
 *
 * The rules are the certificate service's (services/certificate/src/domain): issue → 01; suspend 01 → 02; resume
 * 02 → 01; revoke 01/02 → 03 (withdrawn) or 07 (revoked); cancel 01/02/05 → 04; expire 01/02 → 05; a dispute
 * leaves the status alone; change, renewal, reissue and a dispute's correction make a new version (version + 1,
 * a new id, status 01) of a valid one, and the old version becomes 99 with `supersededById` the new one (the only
 * event is the new version's, naming the previous id). An industry licence (行业综合许可证) is issued like any
 * certificate and its own status follows the same rules; its components' live view is derived by the service from
 * the components' rows, each of which is a key of its own here. The status compared is the recorded one (what
 * GetCertificate answers), not the effective one: a licence past its end date stays 01 until the expiry sweep
 * records `certificate.expired`, in the service and in the events alike.
 *
 * Every event is also checked against those rules: one they could not have produced at that point (an illegal
 * transition, a status or operation code that is not its operation's, a version that is not the next one, an act on
 * a superseded or never issued version, a dispute resolved that was not open) is a PROJECTION_EVENT_INVALID, and the
 * state then follows what the event says.
 */

export const CERTIFICATE_STATUS = 'certificate-status';

/** The gRPC service the projection is compared with (its grpc.health.v1 name). */
export const CERTIFICATE_SERVICE = 'onceonly.certificate.v1.CertificateService';

/** Status codes (as the certificate service and the national interface number them), for messages. */
export const CERTIFICATE_STATUS_NAMES: Readonly<Record<string, string>> = {
  '01': 'valid',
  '02': 'suspended',
  '03': 'withdrawn',
  '04': 'cancelled',
  '05': 'expired',
  '06': 'transferred out',
  '07': 'revoked',
  '99': 'superseded/other',
};

/** One certificate version as the events give it. */
export interface CertificateStatus {
  readonly version: number;
  /** Two-digit status code. */
  readonly status: string;
  /** The newer version that replaced this one. */
  readonly supersededById?: string;
  /** The open dispute, if any (not compared: used to check the events). */
  readonly openDispute?: string;
  /** The last event about this version. */
  readonly eventId: string;
}

/** One certificate version as the service answers it. */
export interface LiveCertificate {
  readonly version: number;
  readonly status: string;
  readonly supersededById?: string;
  /** When the service last changed its status (RFC 3339). */
  readonly statusChangedAt: string;
}

/** A proto status (the enum numbers are the codes: 1 → `01`, 99 → `99`) as its two-digit code. */
export function statusCode(status: number): string {
  return String(status).padStart(2, '0');
}

function describe(status: string): string {
  const name = CERTIFICATE_STATUS_NAMES[status];
  return name === undefined ? status : `${status} (${name})`;
}

// ---- the events ----

/** The status codes the rules name. */
export const STATUS = {
  VALID: '01',
  SUSPENDED: '02',
  WITHDRAWN: '03',
  CANCELLED: '04',
  EXPIRED: '05',
  REVOKED: '07',
  SUPERSEDED: '99',
} as const;
const { VALID, SUPERSEDED } = STATUS;

/** The facts of a certificate version that the rules read (from the event body's `CertificateFacts`). */
export interface CertificateFactsView {
  readonly certificateId: string;
  readonly version: number;
  /** The proto status number (1 → `01`, 99 → `99`). */
  readonly status: number;
  /** The proto operation number (1 → `01`). */
  readonly operation: number;
}

/** One event body, decoded into what the rules need (by the event adapter, which knows the wire form). */
export interface DecodedCertificateEvent {
  readonly facts: CertificateFactsView | undefined;
  /** Set for the events that make a new version: the version replaced. */
  readonly previousId?: string;
  /** The status the operation gives (for a status change). */
  readonly to?: string;
  /** Statuses the operation may start from. */
  readonly from?: readonly string[];
  /** The operation code the event must carry. */
  readonly operation: string;
  readonly dispute?: { readonly raise?: string; readonly resolve?: string; readonly blocks?: boolean };
  /** An industry licence's bundled certificates. */
  readonly components?: readonly string[];
  readonly issue?: boolean;
  /** The event keeps the status it finds (disputes). */
  readonly keeps?: boolean;
}

/**
 * Decodes the body of a `certificate.*` event; `'read'` for events that change no status (verifications, platform
 * checks), undefined for a type the projection does not know. May throw on a body that does not decode.
 */
export type CertificateEventDecoder = (type: string, data: Uint8Array) => DecodedCertificateEvent | 'read' | undefined;

/**
 * The projection itself, over the decoder of the event adapter: pure, one event at a time. (The decoder is passed in
 * so that this file knows the rules and not the protobuf bodies: see docs/adr/005-replay-projections.md.)
 */
export function certificateStatusProjectionOf(decode: CertificateEventDecoder): Projection<CertificateStatus> {
  return {
    name: CERTIFICATE_STATUS,
    apply(state, event) {
      if (!event.type.startsWith('certificate.')) return undefined;
      let decoded: DecodedCertificateEvent | 'read' | undefined;
      try {
        decoded = decode(event.type, event.data);
      } catch (err) {
        return [invalid(event, '', `the body does not decode: ${err instanceof Error ? err.message : String(err)}`)];
      }
      if (decoded === 'read') return undefined;
      if (decoded === undefined) {
        return [invalid(event, '', `the type ${event.type} is not one the projection knows: its effect is unknown`)];
      }
      return applyDecoded(state, event, decoded);
    },
  };
}

function applyDecoded(
  state: Map<string, CertificateStatus>,
  event: LoggableEvent,
  decoded: DecodedCertificateEvent,
): Finding[] {
  const facts = decoded.facts;
  if (facts === undefined || facts.certificateId === '') {
    return [invalid(event, '', 'the body names no certificate')];
  }
  const problems: string[] = [];
  const id = facts.certificateId;
  if (statusCode(facts.operation) !== decoded.operation) {
    problems.push(`operation ${statusCode(facts.operation)}, not ${decoded.operation}`);
  }
  if (decoded.previousId !== undefined) newVersion(state, event, decoded, facts, problems);
  else if (decoded.issue) issue(state, event, decoded, facts, problems);
  else change(state, event, decoded, facts, problems);
  return problems.map((p) => invalid(event, id, p));
}

function invalid(event: LoggableEvent, id: string, why: string): Finding {
  const what = id === '' ? event.type : `${event.type} of certificate ${id}`;
  return finding('PROJECTION_EVENT_INVALID', `${what}: ${why}`, { eventId: event.id, ...(id ? { key: id } : {}) });
}

function expectStatus(facts: CertificateFactsView, status: string, problems: string[]): void {
  const said = statusCode(facts.status);
  if (said !== status) problems.push(`its status is ${describe(said)}, the operation gives ${describe(status)}`);
}

function issue(
  state: Map<string, CertificateStatus>,
  event: LoggableEvent,
  decoded: DecodedCertificateEvent,
  facts: CertificateFactsView,
  problems: string[],
): void {
  const id = facts.certificateId;
  if (state.has(id)) problems.push('the id was already issued');
  if (facts.version !== 1) problems.push(`a new certificate is version 1, not ${facts.version}`);
  expectStatus(facts, VALID, problems);
  for (const component of decoded.components ?? []) {
    const bundled = state.get(component);
    if (bundled === undefined) problems.push(`it bundles ${component}, which no event issued`);
    else if (bundled.supersededById !== undefined) problems.push(`it bundles ${component}, a superseded version`);
    else if (bundled.status !== VALID) problems.push(`it bundles ${component}, which is ${describe(bundled.status)}`);
  }
  state.set(id, { version: facts.version, status: VALID, eventId: event.id });
}

function newVersion(
  state: Map<string, CertificateStatus>,
  event: LoggableEvent,
  decoded: DecodedCertificateEvent,
  facts: CertificateFactsView,
  problems: string[],
): void {
  const id = facts.certificateId;
  const previousId = decoded.previousId ?? '';
  const previous = state.get(previousId);
  if (previousId === '' || previousId === id) problems.push(`it names no other previous version ("${previousId}")`);
  else if (previous === undefined) problems.push(`its previous version ${previousId} was never issued`);
  else {
    if (previous.supersededById !== undefined) {
      problems.push(`its previous version ${previousId} was already superseded by ${previous.supersededById}`);
    }
    if (previous.status !== VALID) problems.push(`its previous version ${previousId} is ${describe(previous.status)}`);
    if (facts.version !== previous.version + 1) {
      problems.push(`version ${facts.version} follows version ${previous.version}`);
    }
    const resolving = decoded.dispute?.resolve;
    if (resolving !== undefined && previous.openDispute !== resolving) {
      problems.push(`it resolves dispute ${resolving}, which is not open on ${previousId}`);
    }
    if (decoded.dispute?.blocks && previous.openDispute !== undefined) {
      problems.push(`dispute ${previous.openDispute} is open on ${previousId}`);
    }
    const { openDispute: _closed, ...rest } = previous;
    state.set(previousId, { ...rest, status: SUPERSEDED, supersededById: id, eventId: event.id });
  }
  if (state.has(id)) problems.push('the new version id was already issued');
  expectStatus(facts, VALID, problems);
  state.set(id, { version: facts.version, status: VALID, eventId: event.id });
}

function change(
  state: Map<string, CertificateStatus>,
  event: LoggableEvent,
  decoded: DecodedCertificateEvent,
  facts: CertificateFactsView,
  problems: string[],
): void {
  const id = facts.certificateId;
  const before = state.get(id);
  const said = statusCode(facts.status);
  if (before === undefined) problems.push('no event issued it');
  else {
    if (before.supersededById !== undefined) {
      problems.push(`it acts on a version superseded by ${before.supersededById}`);
    } else if (decoded.from !== undefined && !decoded.from.includes(before.status)) {
      problems.push(`not allowed from ${describe(before.status)}`);
    }
    if (facts.version !== before.version) problems.push(`version ${facts.version}, the events give ${before.version}`);
  }
  // a status change gives its status; a dispute keeps the one it finds
  let to: string;
  if (decoded.keeps) to = before?.status ?? said;
  else if (decoded.to !== undefined) to = decoded.to;
  else {
    problems.push('its revocation kind is neither withdrawn nor revoked');
    to = said;
  }
  expectStatus(facts, to, problems);
  let openDispute = before?.openDispute;
  const { raise, resolve } = decoded.dispute ?? {};
  if (raise !== undefined) {
    if (openDispute !== undefined) problems.push(`dispute ${openDispute} is already open`);
    openDispute = raise;
  }
  if (resolve !== undefined) {
    if (openDispute !== resolve) problems.push(`it resolves dispute ${resolve}, which is not open`);
    openDispute = undefined;
  }
  const version = before?.version ?? facts.version;
  state.set(id, {
    version,
    status: to,
    ...(before?.supersededById === undefined ? {} : { supersededById: before.supersededById }),
    ...(openDispute === undefined ? {} : { openDispute }),
    eventId: event.id,
  });
}

// ---- the comparison ----

/** A difference the service dates this long after the comparison is not "in flight": it is from the future. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Every difference between the events' version of a certificate and the service's: PROJECTION_UNKNOWN_TO_SERVICE,
 * PROJECTION_STATUS_MISMATCH, PROJECTION_MISMATCH (version, successor). When the service dates its last status
 * change after the newest event of the log snapshot, the change has probably not reached the log yet: the
 * differences are then PROJECTION_IN_FLIGHT notices (replay again to settle them).
 */
export function certificateDifferences(
  id: string,
  rebuilt: CertificateStatus,
  live: LiveCertificate | undefined,
  context: Pick<CompareContext<CertificateStatus>, 'logTime' | 'now'>,
): Finding[] {
  const about = { key: id, eventId: rebuilt.eventId };
  if (live === undefined) {
    return [
      finding(
        'PROJECTION_UNKNOWN_TO_SERVICE',
        `certificate ${id}: the events give version ${rebuilt.version}, status ${describe(rebuilt.status)}; the certificate service does not know it`,
        { ...about, expected: rebuilt.status },
      ),
    ];
  }
  const found: Finding[] = [];
  if (live.status !== rebuilt.status) {
    found.push(
      finding(
        'PROJECTION_STATUS_MISMATCH',
        `certificate ${id}: the events give status ${describe(rebuilt.status)}, the certificate service answers ${describe(live.status)}`,
        { ...about, expected: rebuilt.status, actual: live.status },
      ),
    );
  }
  if (live.version !== rebuilt.version) {
    found.push(
      finding(
        'PROJECTION_MISMATCH',
        `certificate ${id}: the events give version ${rebuilt.version}, the certificate service answers ${live.version}`,
        { ...about, expected: String(rebuilt.version), actual: String(live.version) },
      ),
    );
  }
  const successor = rebuilt.supersededById ?? '';
  if ((live.supersededById ?? '') !== successor) {
    const name = (s: string) => (s === '' ? 'none' : s);
    found.push(
      finding(
        'PROJECTION_MISMATCH',
        `certificate ${id}: the events give successor ${name(successor)}, the certificate service answers ${name(live.supersededById ?? '')}`,
        { ...about, expected: successor, actual: live.supersededById ?? '' },
      ),
    );
  }
  if (found.length === 0 || !inFlight(live, context)) return found;
  return found.map((f) =>
    finding(
      'PROJECTION_IN_FLIGHT',
      `${f.message}, but the service changed it at ${live.statusChangedAt}, after the newest logged event (${context.logTime}): not logged yet? replay again`,
      {
        ...about,
        ...(f.expected === undefined ? {} : { expected: f.expected }),
        ...(f.actual === undefined ? {} : { actual: f.actual }),
      },
    ),
  );
}

function inFlight(live: LiveCertificate, context: Pick<CompareContext<unknown>, 'logTime' | 'now'>): boolean {
  if (context.logTime === undefined) return false;
  const changed = Date.parse(live.statusChangedAt);
  return changed > Date.parse(context.logTime) && changed <= context.now.getTime() + CLOCK_SKEW_MS;
}

/** Reads a certificate version from the service as the projection compares it (undefined: unknown id). */
export type LiveCertificateReader = (id: string) => Promise<LiveCertificate | undefined>;

/**
 * A certificate status projection with its reader. Without `read` the events are still rebuilt and checked, and the
 * comparison is reported as skipped (`skipped` says why).
 */
export function certificateStatusCheckOf(
  projection: Projection<CertificateStatus>,
  read?: LiveCertificateReader,
  options: { skipped?: string; concurrency?: number } = {},
): ProjectionCheck<CertificateStatus, LiveCertificate> {
  return {
    projection,
    ...(read === undefined
      ? { skipped: options.skipped ?? 'the certificate service was not asked' }
      : { reader: { read } }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    differences: certificateDifferences,
  };
}
