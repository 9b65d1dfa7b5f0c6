import { certificateV1 as cv } from '@onceonly/contracts';
import type { ReplayEvent } from '@onceonly/replay';
import { beforeEach, describe, expect, it } from 'vitest';
import { at, certificateEvents, REVOKED, S, WITHDRAWN } from '../../../test/certificate-events.js';
import type { CertificateStatus } from '../../domain/replay/certificate-status.js';
import { certificateDifferences, type LiveCertificate } from '../../domain/replay/compare.js';
import {
  certificateStatusCheck,
  certificateStatusProjection,
  liveCertificateOf,
  statusCode,
} from './certificate-replay.js';

// The certificate status replay over logged events with protobuf bodies, as the audit replay feeds it: the decoder
// of this folder and the domain's pure fold (domain/replay), then the comparison with GetCertificate's answers.

let { e, loggable } = certificateEvents();

beforeEach(() => {
  ({ e, loggable } = certificateEvents());
});

/** Runs events through the projection: the state as plain objects, and the kinds of findings about events. */
function project(events: readonly ReplayEvent[]) {
  const state = new Map<string, CertificateStatus>();
  const findings = events.flatMap((event) => [...(certificateStatusProjection.apply(state, event) ?? [])]);
  const status = (id: string) => state.get(id)?.status;
  return { state, findings, status };
}

describe('the certificate status projection, from the events alone', () => {
  it('issues valid version 1, and follows suspension, resumption and revocation (吊销 07)', () => {
    const { state, findings, status } = project([
      e.issued('c1'),
      e.suspended('c1'),
      e.resumed('c1'),
      e.suspended('c1'),
      e.revoked('c1', REVOKED),
    ]);
    expect(findings).toEqual([]);
    expect(state.get('c1')).toEqual({ version: 1, status: '07', eventId: 'event-5' });
    expect(status('c1')).toBe('07');
  });

  it('tells a withdrawal (撤销 03) from a revocation, and cancels (04) a valid one', () => {
    const { findings, status } = project([e.issued('w'), e.revoked('w', WITHDRAWN), e.issued('c'), e.cancelled('c')]);
    expect(findings).toEqual([]);
    expect(status('w')).toBe('03');
    expect(status('c')).toBe('04');
  });

  it('records an expiry (05) of a valid or suspended one, and a cancellation of an expired one', () => {
    const { findings, status } = project([
      e.issued('a'),
      e.expired('a'),
      e.issued('b'),
      e.suspended('b'),
      e.expired('b'),
      e.cancelled('b'),
    ]);
    expect(findings).toEqual([]);
    expect(status('a')).toBe('05');
    expect(status('b')).toBe('04');
  });

  it('makes a new version on change, renewal and reissue: the old one is superseded (99) by the new one', () => {
    const { state, findings } = project([
      e.issued('v1'),
      e.changed('v2', 'v1', 2),
      e.renewed('v3', 'v2', 3),
      e.reissued('v4', 'v3', 4),
    ]);
    expect(findings).toEqual([]);
    expect(Object.fromEntries(state)).toEqual({
      v1: { version: 1, status: '99', supersededById: 'v2', eventId: 'event-2' },
      v2: { version: 2, status: '99', supersededById: 'v3', eventId: 'event-3' },
      v3: { version: 3, status: '99', supersededById: 'v4', eventId: 'event-4' },
      v4: { version: 4, status: '01', eventId: 'event-4' },
    });
  });

  it('keeps the status through a dispute; a rejection keeps the version, a correction makes a new one', () => {
    const { state, findings } = project([
      e.issued('d1'),
      e.disputeRaised('d1', 'x'),
      e.disputeRejected('d1', 'x'),
      e.disputeRaised('d1', 'y'),
      e.disputeCorrected('d2', 'd1', 'y', 2),
    ]);
    expect(findings).toEqual([]);
    expect(state.get('d1')).toMatchObject({ status: '99', supersededById: 'd2' });
    expect(state.get('d1')!.openDispute).toBeUndefined();
    expect(state.get('d2')).toMatchObject({ version: 2, status: '01' });
  });

  it('keeps an industry licence valid on its own when a bundled permit is revoked', () => {
    const { findings, status } = project([
      e.issued('food'),
      e.issued('liquor'),
      e.issued('licence', { components: ['food', 'liquor'] }),
      e.revoked('liquor', REVOKED),
    ]);
    expect(findings).toEqual([]);
    expect(status('licence')).toBe('01');
    expect(status('liquor')).toBe('07');
  });

  it('ignores reads (verifications, platform checks) and the events of other services', () => {
    const { state, findings } = project([
      e.issued('r'),
      e.verified('r'),
      loggable('seal.created', new Uint8Array([1, 2, 3])),
      loggable('test.thing.happened', new Uint8Array([9])),
    ]);
    expect(findings).toEqual([]);
    expect([...state.keys()]).toEqual(['r']);
    expect(state.get('r')!.status).toBe('01');
  });

  it('names every event the certificate rules could not have produced, and follows what it says', () => {
    const cases: Array<[string, ReplayEvent[], RegExp]> = [
      ['resume a valid one', [e.issued('a'), e.resumed('a')], /not allowed from 01 \(valid\)/],
      ['revoke a cancelled one', [e.issued('a'), e.cancelled('a'), e.revoked('a', REVOKED)], /not allowed from 04/],
      ['change a suspended one', [e.issued('a'), e.suspended('a'), e.changed('b', 'a', 2)], /previous version a is 02/],
      ['skip a version', [e.issued('a'), e.changed('b', 'a', 3)], /version 3 follows version 1/],
      ['act on a superseded one', [e.issued('a'), e.changed('b', 'a', 2), e.suspended('a')], /superseded by b/],
      ['suspend what was never issued', [e.suspended('ghost')], /no event issued it/],
      ['change what was never issued', [e.changed('b', 'ghost', 2)], /previous version ghost was never issued/],
      ['issue twice', [e.issued('a'), e.issued('a')], /already issued/],
      ['issue at version 2', [e.issued('a', { version: 2 })], /version 1, not 2/],
      [
        'a status its operation does not give',
        [e.issued('a'), e.suspended('a'), e.resumed('a', 1, S.LICENCE_STATUS_SUSPENDED)],
        /its status is 02 \(suspended\), the operation gives 01/,
      ],
      [
        'bundle a revoked permit',
        [e.issued('p'), e.revoked('p', REVOKED), e.issued('l', { components: ['p'] })],
        /bundles p, which is 07/,
      ],
      [
        'bundle an unknown permit',
        [e.issued('l', { components: ['nowhere'] })],
        /bundles nowhere, which no event issued/,
      ],
      ['resolve a dispute never raised', [e.issued('a'), e.disputeRejected('a', 'x')], /dispute x, which is not open/],
      [
        'change while a dispute is open',
        [e.issued('a'), e.disputeRaised('a', 'x'), e.changed('b', 'a', 2)],
        /dispute x is open on a/,
      ],
      [
        'a body that does not decode',
        [loggable('certificate.revoked', new Uint8Array([0xff, 0xff, 0xff]))],
        /does not decode/,
      ],
      [
        'a type it does not know',
        [loggable('certificate.transferred', new Uint8Array())],
        /not one the projection knows/,
      ],
    ];
    for (const [what, events, message] of cases) {
      const { findings } = project(events);
      expect(
        findings.map((f) => f.kind),
        what,
      ).toEqual(['PROJECTION_EVENT_INVALID']);
      expect(findings[0]!.message, what).toMatch(message);
      expect(findings[0]!.eventId, what).toBe(events.at(-1)!.id);
    }
    // the state follows the event even so: a resumed valid one is valid, the skipped version is recorded
    expect(project([e.issued('a'), e.changed('b', 'a', 3)]).state.get('b')).toMatchObject({ version: 3 });
    expect(project([e.suspended('ghost')]).status('ghost')).toBe('02');
  });
});

describe('comparing the rebuilt certificates with the certificate service', () => {
  const rebuilt: CertificateStatus = { version: 1, status: '07', eventId: 'event-9' };
  const live = (over: Partial<LiveCertificate> = {}): LiveCertificate => ({
    version: 1,
    status: '07',
    statusChangedAt: '2025-01-01T08:00:05.000Z',
    ...over,
  });
  const context = { logTime: '2025-01-01T08:00:10.000Z', now: new Date('2025-01-01T08:01:00.000Z') };

  it('finds nothing when the service agrees', () => {
    expect(certificateDifferences('c1', rebuilt, live(), context)).toEqual([]);
  });

  it('names a status the service answers differently, with what the events give and what it said', () => {
    const [f, ...rest] = certificateDifferences('c1', rebuilt, live({ status: '01' }), context);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      kind: 'PROJECTION_STATUS_MISMATCH',
      severity: 'divergence',
      key: 'c1',
      eventId: 'event-9',
      expected: '07',
      actual: '01',
    });
    expect(f!.message).toBe(
      'certificate c1: the events give status 07 (revoked), the certificate service answers 01 (valid)',
    );
  });

  it('names a certificate the service does not know, and a version or successor that differs', () => {
    expect(certificateDifferences('c1', rebuilt, undefined, context)).toEqual([
      expect.objectContaining({ kind: 'PROJECTION_UNKNOWN_TO_SERVICE', key: 'c1', expected: '07' }),
    ]);
    const old: CertificateStatus = { version: 1, status: '99', supersededById: 'c2', eventId: 'e' };
    expect(
      certificateDifferences('c1', old, live({ version: 2, status: '99', supersededById: 'c3' }), context).map((f) => [
        f.kind,
        f.expected,
        f.actual,
      ]),
    ).toEqual([
      ['PROJECTION_MISMATCH', '1', '2'],
      ['PROJECTION_MISMATCH', 'c2', 'c3'],
    ]);
  });

  it('calls a difference the service dates after the newest logged event in flight (a notice), unless from the future', () => {
    const later = live({ status: '01', statusChangedAt: '2025-01-01T08:00:30.000Z' });
    expect(certificateDifferences('c1', rebuilt, later, context)).toEqual([
      expect.objectContaining({ kind: 'PROJECTION_IN_FLIGHT', severity: 'notice', expected: '07', actual: '01' }),
    ]);
    const future = live({ status: '01', statusChangedAt: '2025-01-02T08:00:00.000Z' });
    expect(certificateDifferences('c1', rebuilt, future, context).map((f) => f.kind)).toEqual([
      'PROJECTION_STATUS_MISMATCH',
    ]);
  });

  it('reads the service through GetCertificate answers, key by key', async () => {
    const answers = new Map<string, cv.Certificate>([
      ['v1', cv.Certificate.create({ id: 'v1', version: 1, status: S.LICENCE_STATUS_OTHER, supersededById: 'v2' })],
      // the service was changed behind the log's back: v2 answers valid, the events revoked it
      ['v2', cv.Certificate.create({ id: 'v2', version: 2, status: S.LICENCE_STATUS_VALID, statusChangedAt: at(0) })],
    ]);
    const check = certificateStatusCheck(async (id) => answers.get(id));
    const state = new Map<string, CertificateStatus>();
    for (const event of [e.issued('v1'), e.changed('v2', 'v1', 2), e.revoked('v2', REVOKED, 2), e.issued('lost')]) {
      check.projection.apply(state, event);
    }
    const now = new Date(Date.UTC(2025, 0, 1, 9));
    const findings = [];
    for (const [id, rebuilt] of state) {
      findings.push(...check.differences!(id, rebuilt, await check.reader!.read(id), { state, now }));
    }
    expect(findings.map((f) => [f.kind, f.key, f.expected, f.actual])).toEqual([
      ['PROJECTION_STATUS_MISMATCH', 'v2', '07', '01'],
      ['PROJECTION_UNKNOWN_TO_SERVICE', 'lost', '01', undefined],
    ]);
  });

  it('maps the proto status numbers to the two-digit codes', () => {
    expect(statusCode(S.LICENCE_STATUS_VALID)).toBe('01');
    expect(statusCode(S.LICENCE_STATUS_OTHER)).toBe('99');
    expect(liveCertificateOf(cv.Certificate.create({ version: 3, status: S.LICENCE_STATUS_EXPIRED }))).toEqual({
      version: 3,
      status: '05',
      statusChangedAt: '',
    });
  });
});
