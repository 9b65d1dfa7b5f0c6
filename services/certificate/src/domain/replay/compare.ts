import { type CompareContext, type Finding, finding } from '@onceonly/replay';
import { type CertificateStatus, describeStatus } from './certificate-status.js';

/** One certificate version as the service answers it (GetCertificate), as the replay compares it. */
export interface LiveCertificate {
  readonly version: number;
  /** Two-digit status code. */
  readonly status: string;
  readonly supersededById?: string;
  /** When the service last changed its status (RFC 3339). */
  readonly statusChangedAt: string;
}

/** A difference the service dates this long after the comparison is not "in flight": it is from the future. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Every difference between the facts' version of a certificate and the service's: PROJECTION_UNKNOWN_TO_SERVICE,
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
        `certificate ${id}: the events give version ${rebuilt.version}, status ${describeStatus(rebuilt.status)}; the certificate service does not know it`,
        { ...about, expected: rebuilt.status },
      ),
    ];
  }
  const found = [...statusDifference(id, rebuilt, live), ...versionDifferences(id, rebuilt, live)].map((f) => ({
    ...about,
    ...f,
  }));
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

function statusDifference(id: string, rebuilt: CertificateStatus, live: LiveCertificate): Finding[] {
  if (live.status === rebuilt.status) return [];
  return [
    finding(
      'PROJECTION_STATUS_MISMATCH',
      `certificate ${id}: the events give status ${describeStatus(rebuilt.status)}, the certificate service answers ${describeStatus(live.status)}`,
      { expected: rebuilt.status, actual: live.status },
    ),
  ];
}

function versionDifferences(id: string, rebuilt: CertificateStatus, live: LiveCertificate): Finding[] {
  const found: Finding[] = [];
  if (live.version !== rebuilt.version) {
    found.push(
      finding(
        'PROJECTION_MISMATCH',
        `certificate ${id}: the events give version ${rebuilt.version}, the certificate service answers ${live.version}`,
        { expected: String(rebuilt.version), actual: String(live.version) },
      ),
    );
  }
  const successor = rebuilt.supersededById ?? '';
  const answered = live.supersededById ?? '';
  if (answered !== successor) {
    const name = (s: string) => (s === '' ? 'none' : s);
    found.push(
      finding(
        'PROJECTION_MISMATCH',
        `certificate ${id}: the events give successor ${name(successor)}, the certificate service answers ${name(answered)}`,
        { expected: successor, actual: answered },
      ),
    );
  }
  return found;
}

function inFlight(live: LiveCertificate, context: Pick<CompareContext<unknown>, 'logTime' | 'now'>): boolean {
  if (context.logTime === undefined) return false;
  const changed = Date.parse(live.statusChangedAt);
  return changed > Date.parse(context.logTime) && changed <= context.now.getTime() + CLOCK_SKEW_MS;
}
