import { materialsEventsV1 as ev, materialsV1 as mv } from '@onceonly/contracts';
import type { ReplayEvent } from '@onceonly/replay';
import { describe, expect, it } from 'vitest';
import type { ReplayedRequest } from '../../domain/replay/consent.js';
import { CONSENT_EVENT_TYPES as T } from '../../topics.js';
import { liveRequestOf, materialsConsentCheck, materialsConsentProjection } from './consent-replay.js';

const SHOP = '91310107MA1H7Q2W3G';
const DEPT = '12310107MB2F05636F';
const S = mv.PieceStatus;
let n = 0;
function event(type: string, data: Uint8Array): ReplayEvent {
  n++;
  return {
    id: `e${n}`,
    source: '/onceonly/materials',
    type,
    subject: SHOP,
    time: '2026-03-04T02:00:00Z',
    specversion: '1.0',
    datacontenttype: 'application/protobuf',
    dataschema: 'proto:x',
    sequence: String(n),
    data,
  };
}
const scope = { requestId: 'q-1', applicationId: 'APP-2', applicantKey: SHOP };
const requested = event(
  T.requested,
  ev.EvidenceRequested.encode(
    ev.EvidenceRequested.fromPartial({
      request: {
        id: 'q-1',
        applicationId: 'APP-2',
        applicantKey: SHOP,
        departmentCode: DEPT,
        pieces: [{ id: 'p-1', materialCode: 'floor-plan', status: S.PIECE_STATUS_PENDING }],
      },
    }),
  ).finish(),
);
const previewed = event(
  T.previewed,
  ev.EvidencePreviewed.encode(ev.EvidencePreviewed.fromPartial({ ...scope, pieceIds: ['p-1'] })).finish(),
);
const decided = (type: string, status: mv.PieceStatus) =>
  event(
    type,
    ev.EvidenceDecided.encode(
      ev.EvidenceDecided.fromPartial({ ...scope, departmentCode: DEPT, pieces: [{ id: 'p-1', status }] }),
    ).finish(),
  );
const reused = (departmentCode = DEPT) =>
  event(
    T.reused,
    ev.EvidenceReused.encode(ev.EvidenceReused.fromPartial({ ...scope, departmentCode, pieceId: 'p-1' })).finish(),
  );
// a refusal and a notification change no request: the projection does not read them
const refused = event(T.refused, ev.EvidenceRefused.encode(ev.EvidenceRefused.fromPartial(scope)).finish());

function replay(events: ReplayEvent[]) {
  const state = new Map<string, ReplayedRequest>();
  const findings = events.flatMap((e) => materialsConsentProjection.apply(state, e) ?? []);
  return { state, findings };
}

describe('the materials consent replay projection', () => {
  it('rebuilds a request previewed, accepted and reused with no finding', () => {
    const { state, findings } = replay([
      requested,
      refused,
      previewed,
      decided(T.accepted, S.PIECE_STATUS_ACCEPTED),
      reused(),
    ]);
    expect(findings).toEqual([]);
    expect(state.get('q-1')?.pieces.get('p-1')).toEqual({ status: 'accepted', previewed: true, reuses: 1 });
  });

  it('finds a tampered log: a reuse of a rejected piece, by another department, and an acceptance unshown', () => {
    const { findings } = replay([
      requested,
      decided(T.accepted, S.PIECE_STATUS_ACCEPTED),
      reused('11310107MB2F03587N'),
    ]);
    expect(findings.map((f) => f.kind)).toEqual(['PROJECTION_EVENT_INVALID', 'PROJECTION_EVENT_INVALID']);
    expect(findings.map((f) => f.message).join('\n')).toMatch(/MATERIALS_PREVIEW_NOT_SHOWN[\s\S]*without consent/);
    const rejected = replay([requested, previewed, decided(T.rejected, S.PIECE_STATUS_REJECTED), reused()]);
    expect(rejected.findings.map((f) => f.message)).toEqual([
      expect.stringContaining('MATERIALS_EVIDENCE_NOT_ACCEPTED'),
    ]);
    expect(replay([reused()]).findings.map((f) => f.message)).toEqual([
      expect.stringContaining('no reuse without consent'),
    ]);
  });

  it('compares each piece status with the service: a piece flipped in the tables is named', () => {
    const { state } = replay([requested, previewed, decided(T.rejected, S.PIECE_STATUS_REJECTED)]);
    const live = liveRequestOf(
      mv.EvidenceRequest.fromPartial({
        id: 'q-1',
        applicationId: 'APP-2',
        applicantKey: SHOP,
        departmentCode: DEPT,
        pieces: [{ id: 'p-1', status: S.PIECE_STATUS_ACCEPTED }],
      }),
    );
    const check = materialsConsentCheck(async () => live);
    const context = { state: new Map(), now: new Date() };
    expect(check.differences!('q-1', state.get('q-1')!, live, context)).toMatchObject([
      { kind: 'PROJECTION_MISMATCH', key: 'q-1', expected: '{"p-1":"rejected"}', actual: '{"p-1":"accepted"}' },
    ]);
    expect(check.differences!('q-1', state.get('q-1')!, undefined, context)[0]?.kind).toBe(
      'PROJECTION_UNKNOWN_TO_SERVICE',
    );
  });
});
