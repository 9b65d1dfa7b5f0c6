import { describe, expect, it } from 'vitest';
import {
  CITIZEN_ID,
  ENTERPRISE_CODE,
  enterprise,
  FOOD,
  FOOD_FIELDS,
  foodLicence,
  MARKET,
  NOW,
  newId,
  person,
} from '../../test/fixtures.js';
import { eventBodyOf } from '../adapters/event-bodies.js';
import { DEMO_PLATFORM, DEMO_PORTAL, PUTUO_MARKET_REGULATION } from './departments.js';
import { raiseDispute, resolveDispute } from './dispute.js';
import { type DomainEvent, eventSubject, holderFacts, maskPersonName, redactCitizenIds } from './events.js';
import { issueCertificate } from './issue.js';
import { change, reissue, renew } from './new-versions.js';
import { cancel, expireIfDue, resume, revoke, suspend } from './status-changes.js';

// Any run of 17 digits and a check character: a citizen ID in clear, whichever it is.
const CLEAR_ID = /[0-9]{17}[0-9Xx]/;

/** Every kind of event, for a holder who is a person, with the ID typed into every free-text field. */
function lifeOfAPersonsLicence(): DomainEvent[] {
  const said = `持证人身份证号${CITIZEN_ID}`;
  const events: DomainEvent[] = [];
  const issued = issueCertificate(
    { actor: MARKET, issuer: PUTUO_MARKET_REGULATION, type: FOOD, holder: person(), fields: FOOD_FIELDS },
    { id: newId(), now: NOW, sequence: 1 },
  );
  const v1 = issued.certificate;
  const changed = change(
    v1,
    { actor: MARKET, set: { premises: '长寿路2号' }, reason: said },
    { newId: newId(), now: NOW, type: FOOD },
  );
  const renewed = renew(
    changed.certificate,
    { actor: MARKET, validTo: '2031-01-01' },
    { newId: newId(), now: NOW, type: FOOD },
  );
  const reissued = reissue(renewed.certificate, { actor: MARKET, reason: said }, { newId: newId(), now: NOW });
  const suspended = suspend(reissued.certificate, { actor: MARKET, reason: said, legalBasis: said }, NOW);
  const resumed = resume(suspended.certificate, { actor: MARKET, reason: said }, NOW);
  const portal = { departmentCode: DEMO_PORTAL.code };
  const raised = raiseDispute(
    resumed.certificate,
    { actor: portal, disputeId: 'd', claim: said, fieldKeys: ['holder.name'] },
    { now: NOW, type: FOOD },
  );
  const resolved = resolveDispute(
    raised.certificate,
    { actor: MARKET, disputeId: 'd', resolution: { kind: 'correct', holderName: '张晓明', note: said } },
    { newId: newId(), now: NOW, type: FOOD },
  );
  const revoked = revoke(
    resolved.certificate,
    { actor: MARKET, kind: 'withdrawn', reason: said, legalBasis: said },
    NOW,
  );
  const other = foodLicence(person());
  const cancelled = cancel(other, { actor: MARKET, reason: said }, NOW);
  const expired = expireIfDue(foodLicence(person()), new Date('2031-01-01T00:00:00Z'));
  events.push(
    ...[issued, changed, renewed, reissued, suspended, resumed, raised, resolved, revoked, cancelled].map(
      (t) => t.event,
    ),
    expired!.event,
    {
      type: 'certificate.licences-checked',
      platformCode: DEMO_PLATFORM.code,
      purpose: 'merchant-onboarding',
      checkedAt: NOW.toISOString(),
      requestedTypeCodes: [],
      holders: [{ holder: holderFacts(v1.holder), coveredTypeCodes: [], certificateIds: [], refused: [] }],
    },
    {
      type: 'certificate.verified',
      facts: revoked.event.facts,
      verifierCode: DEMO_PLATFORM.code,
      method: 'qr',
      valid: false,
      genuine: true,
      mayOperate: false,
      reasons: ['WITHDRAWN'],
      verifiedAt: NOW.toISOString(),
    },
  );
  return events;
}

describe('events about a person holder', () => {
  const events = lifeOfAPersonsLicence();

  it('cover every event type', () => {
    expect(new Set(events.map((e) => e.type)).size).toBe(13);
  });

  it.each(events.map((e) => [e.type, e] as const))('%s carries no citizen ID, in JSON or protobuf', (_, event) => {
    expect(JSON.stringify(event)).not.toMatch(CLEAR_ID);
    const { codec, body } = eventBodyOf(event);
    const bytes = codec.encode(body).finish();
    expect(Buffer.from(bytes).toString('latin1')).not.toMatch(CLEAR_ID);
    expect(eventSubject(event)).not.toMatch(CLEAR_ID);
  });

  it('name the person by mask, keyed hash and masked name', () => {
    const facts = holderFacts(person('张小明'));
    expect(facts).toEqual({
      codeType: '111',
      holderCodeMasked: `310107********${CITIZEN_ID.slice(14)}`,
      holderKey: expect.stringMatching(/^[0-9a-f]{64}$/),
      name: '张**',
    });
  });
});

describe('events about an organisation holder', () => {
  it('carry the credit code and name in clear, keyed by the credit code', () => {
    const { event } = cancel(foodLicence(enterprise()), { actor: MARKET, reason: '歇业' }, NOW);
    expect(event.facts.holder).toEqual({
      codeType: '001',
      holderCode: ENTERPRISE_CODE,
      holderCodeMasked: ENTERPRISE_CODE,
      name: '上海普陀小笼包餐饮有限公司',
    });
    expect(eventSubject(event)).toBe(ENTERPRISE_CODE);
  });
});

describe('redaction of free text', () => {
  it('masks anything shaped like a citizen ID, and nothing else', () => {
    expect(redactCitizenIds(`身份证${CITIZEN_ID}，电话13800138000`)).toBe(
      `身份证310107********${CITIZEN_ID.slice(14)}，电话13800138000`,
    );
    expect(redactCitizenIds('订单号A123456789012345678B')).toBe('订单号A123456789012345678B');
  });

  it('masks person names to the first character', () => {
    expect(maskPersonName('欧阳娜娜')).toBe('欧***');
    expect(maskPersonName('王')).toBe('*');
  });
});
