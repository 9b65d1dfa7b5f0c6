import { assistanceV1 as av, assistanceEventsV1 as ev } from '@onceonly/contracts';
import type { ReplayEvent } from '@onceonly/replay';
import { describe, expect, it } from 'vitest';
import type { ReplayedRequest } from '../../domain/replay/request-status.js';
import { ASSISTANCE_EVENT_TYPES as T } from '../../topics.js';
import { requestStatusCheck, requestStatusProjection } from './request-replay.js';

let n = 0;
function event(type: string, data: Uint8Array): ReplayEvent {
  n++;
  return {
    id: `e${n}`,
    source: '/onceonly/assistance',
    type,
    subject: 'r-1',
    time: '2026-03-02T02:00:00Z',
    specversion: '1.0',
    datacontenttype: 'application/protobuf',
    dataschema: 'proto:x',
    sequence: String(n),
    data,
  };
}

const facts = (status: av.RequestStatus, version: number, dueDate = '2026-03-09') =>
  ev.RequestFacts.fromPartial({ requestId: 'r-1', status, version, dueDate });
const S = av.RequestStatus;
const submitted = event(
  T.submitted,
  ev.RequestSubmitted.encode({
    ...ev.RequestSubmitted.fromPartial({}),
    request: facts(S.REQUEST_STATUS_SUBMITTED, 1),
  }).finish(),
);
const changed = (type: string, change: string, status: av.RequestStatus, version: number, dueDate?: string) =>
  event(
    type,
    ev.RequestChanged.encode(
      ev.RequestChanged.fromPartial({ request: facts(status, version, dueDate), change }),
    ).finish(),
  );
const alert = (type: string, status: av.RequestStatus, version: number) =>
  event(
    type,
    ev.RequestDeadlineAlert.encode(ev.RequestDeadlineAlert.fromPartial({ request: facts(status, version) })).finish(),
  );

// a catalogue publication on the same topic (keyed by the item code): not a request's fact, it changes none
const published = {
  ...event(
    T.itemPublished,
    ev.ItemPublished.encode(
      ev.ItemPublished.fromPartial({ item: { code: 'PT-XZ-08', version: 1 }, previousVersion: 0 }),
    ).finish(),
  ),
  subject: 'PT-XZ-08',
};

function replay(events: ReplayEvent[]) {
  const state = new Map<string, ReplayedRequest>();
  const findings = events.flatMap((e) => requestStatusProjection.apply(state, e) ?? []);
  return { state, findings };
}

describe('the assistance replay projection', () => {
  it('rebuilds a request from its events with no finding when the lifecycle allows every step', () => {
    const { state, findings } = replay([
      published,
      submitted,
      changed(T.accepted, 'accepted', S.REQUEST_STATUS_ACCEPTED, 2),
      alert(T.reminder, S.REQUEST_STATUS_ACCEPTED, 2),
      changed(T.supplementRequested, 'supplement-requested', S.REQUEST_STATUS_ACCEPTED, 3),
      changed(T.supplemented, 'supplemented', S.REQUEST_STATUS_ACCEPTED, 4, '2026-03-12'),
      changed(T.answered, 'answered', S.REQUEST_STATUS_ANSWERED, 5, '2026-03-12'),
      changed(T.closed, 'closed', S.REQUEST_STATUS_CLOSED, 6, '2026-03-12'),
    ]);
    expect(findings).toEqual([]);
    expect(state.get('r-1')).toEqual({ status: 'closed', version: 6, dueDate: '2026-03-12' });
    expect([...state.keys()]).toEqual(['r-1']);
  });

  it('names a step the lifecycle forbids, a skipped version and an unknown type', () => {
    const { findings } = replay([
      submitted,
      changed(T.declined, 'declined', S.REQUEST_STATUS_DECLINED, 2),
      changed(T.answered, 'answered', S.REQUEST_STATUS_ANSWERED, 4),
      event('assistance.request.teleported', new Uint8Array()),
    ]);
    expect(findings.map((f) => f.kind)).toEqual([
      'PROJECTION_EVENT_INVALID',
      'PROJECTION_EVENT_INVALID',
      'PROJECTION_EVENT_INVALID',
    ]);
    expect(findings.map((f) => f.message).join('\n')).toMatch(
      /answered after declined[\s\S]*version 4, not 3[\s\S]*not one the projection knows/,
    );
  });

  it('compares with the service: status, version and due date named when they differ', () => {
    const check = requestStatusCheck(async () => ({ status: 'accepted', version: 2, dueDate: '2026-03-10' }));
    const rebuilt: ReplayedRequest = { status: 'accepted', version: 2, dueDate: '2026-03-09' };
    const found = check.differences!(
      'r-1',
      rebuilt,
      { status: 'accepted', version: 2, dueDate: '2026-03-10' },
      { state: new Map(), now: new Date() },
    );
    expect(found).toMatchObject([
      { kind: 'PROJECTION_MISMATCH', key: 'r-1', expected: '2026-03-09', actual: '2026-03-10' },
    ]);
    expect(check.differences!('r-2', rebuilt, undefined, { state: new Map(), now: new Date() })[0]?.kind).toBe(
      'PROJECTION_MISMATCH',
    );
  });
});
