import { certificateV1 as cv } from '@onceonly/contracts';
import { consistencyProof } from '@onceonly/merkle';
import { describe, expect, it } from 'vitest';
import { at, certificateEvents, REVOKED } from '../../test/certificate-events.js';
import { ORIGIN, signedLogOf } from '../../test/fixtures.js';
import { certificateStatusCheck } from '../adapters/events/certificate-projection.js';
import type { VerifiableEntry } from '../domain/log-verifier.js';
import { type ReplayLogSource, replay, replayMarkdown } from './replay.js';

// The replay with the certificate status projection over a signed log built in memory (no I/O).

async function certificateLog() {
  const { e } = certificateEvents();
  const events = [e.issued('c1'), e.revoked('c1', REVOKED), e.issued('c2'), e.changed('c3', 'c2', 2), e.verified('c3')];
  return signedLogOf(events, [events.length]);
}

type Log = Awaited<ReturnType<typeof certificateLog>>;

function source(log: Log, entries: readonly VerifiableEntry[] = log.entries): ReplayLogSource {
  return {
    info: async () => ({
      origin: ORIGIN,
      verifierKeys: [log.key.verifierKey],
      size: log.entries.length,
      topics: ['onceonly.certificate.v1'],
    }),
    checkpoints: async () => log.checkpoints,
    async *entries(size) {
      yield* entries.slice(0, size);
    },
    consistencyProof: (first, second) => consistencyProof(log.tree, first, second),
    findEvent: async () => undefined,
  };
}

/** The certificate service as a map of GetCertificate answers. */
function service(answers: Record<string, Partial<cv.Certificate>>) {
  return certificateStatusCheck(async (id) =>
    answers[id] === undefined ? undefined : cv.Certificate.create({ id, statusChangedAt: at(0), ...answers[id] }),
  );
}

const agreeing = {
  c1: { version: 1, status: cv.LicenceStatus.LICENCE_STATUS_REVOKED },
  c2: { version: 1, status: cv.LicenceStatus.LICENCE_STATUS_OTHER, supersededById: 'c3' },
  c3: { version: 2, status: cv.LicenceStatus.LICENCE_STATUS_VALID },
};

describe('replay with the certificate status projection', () => {
  it('finds no divergence when the service answers what the events give, and reports what it compared', async () => {
    const log = await certificateLog();
    const report = await replay({
      log: source(log),
      verifierKey: log.key.verifierKey,
      projections: [service(agreeing)],
    });
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.projections).toEqual([
      { name: 'certificate-status', keys: 3, events: 5, compared: 3, divergences: 0 },
    ]);
    expect(replayMarkdown(report)).toContain('| certificate-status | 5 | 3 | 3 | 0 |');
  });

  it('names a certificate whose status the service changed behind the log, and fails', async () => {
    const log = await certificateLog();
    const report = await replay({
      log: source(log),
      verifierKey: log.key.verifierKey,
      projections: [service({ ...agreeing, c1: { version: 1, status: cv.LicenceStatus.LICENCE_STATUS_VALID } })],
    });
    expect(report.ok).toBe(false);
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'PROJECTION_STATUS_MISMATCH', key: 'c1', expected: '07', actual: '01' }),
    ]);
    expect(report.findings[0]!.eventId).toBe(log.events[1]!.id);
    expect(replayMarkdown(report)).toContain('PROJECTION_STATUS_MISMATCH');
  });

  it('feeds the projection only bodies the leaves commit to', async () => {
    const log = await certificateLog();
    // the stored body of the revocation was replaced: the verifier names it, the projection never sees it
    const entries = log.entries.map((entry, i) => (i === 1 ? { ...entry, data: new Uint8Array([1, 2, 3]) } : entry));
    const report = await replay({
      log: source(log, entries),
      verifierKey: log.key.verifierKey,
      projections: [service(agreeing)],
    });
    expect(report.findings.map((f) => f.kind).sort()).toEqual(['BODY_MISMATCH', 'PROJECTION_STATUS_MISMATCH']);
  });

  it('rebuilds and checks the events without a service, and says what it did not compare', async () => {
    const log = await certificateLog();
    const report = await replay({
      log: source(log),
      verifierKey: log.key.verifierKey,
      projections: [certificateStatusCheck(undefined, { skipped: 'the hub did not answer' })],
    });
    expect(report.ok).toBe(true);
    expect(report.findings.map((f) => [f.kind, f.severity])).toEqual([['PROJECTION_SKIPPED', 'notice']]);
    expect(report.projections).toEqual([
      {
        name: 'certificate-status',
        keys: 3,
        events: 5,
        compared: 0,
        divergences: 0,
        skipped: 'the hub did not answer',
      },
    ]);
    const none = await replay({
      log: source(log),
      verifierKey: log.key.verifierKey,
      skippedProjections: [{ name: 'certificate-status', reason: 'not asked for' }],
    });
    expect(none.findings.map((f) => f.kind)).toEqual(['PROJECTION_SKIPPED']);
    expect(none.projections).toEqual([
      { name: 'certificate-status', keys: 0, events: 0, compared: 0, divergences: 0, skipped: 'not asked for' },
    ]);
  });
});
