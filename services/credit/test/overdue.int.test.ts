import { creditV1 as cv, creditEventsV1 as ev } from '@onceonly/contracts';
import { waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlCommitmentStore } from '../src/adapters/db/commitments.js';
import { trackCommitment } from '../src/domain/commitments.js';
import { MARKET_REGULATION, uscc } from './records.js';
import { type CreditHost, startCreditHost } from './support.js';

// Overdue post-checks (告知承诺): a commitment tracked (as the licence consumer tracks one from `certificate.issued`),
// due 2026-03-20; the sweep every 100 ms while the test's clock moves: nothing the day it is due, then
// `credit.commitment.overdue` once, caused by the commitment's `tracked` event; ListCommitments lists it as overdue;
// the issuing department still records the check, after which it is overdue no more.

let hub: CreditHost;
let now = new Date('2026-03-04T02:00:00Z');
const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const subject = uscc(`91310107MC${Array.from({ length: 7 }, () => alphabet[Math.floor(Math.random() * 31)]).join('')}`);
const commitmentId = `overdue-${subject}`;
const trackedEventId = `tracked-${subject}`.toLowerCase();

beforeAll(async () => {
  hub = await startCreditHost({
    name: 'credit-overdue',
    env: { ONCEONLY_HOLDER_HASH_KEY: 'credit-overdue-holder-hash-key-0123456789', ONCEONLY_CREDIT_SWEEP_MS: '100' },
    clock: () => now,
  });
  const commitment = trackCommitment(
    {
      certificateId: `cert-${subject}`,
      number: subject,
      name: '营业执照',
      typeCode: 'business-licence',
      issuer: MARKET_REGULATION,
      holder: { kind: 'organisation', key: subject },
      holderName: '上海承诺餐饮有限公司',
      issueDate: '2026-03-04',
      validFrom: '2026-03-04',
      commitment: { postCheckDue: '2026-03-20', terms: '承诺经营场所符合食品安全要求' },
    },
    commitmentId,
  )!;
  await hub.db.transaction((tx) => sqlCommitmentStore.insert(tx, commitment, trackedEventId, now));
});

afterAll(async () => {
  await hub?.stop();
});

const list = async (overdueOnly: boolean) =>
  (
    await hub
      .as(MARKET_REGULATION)
      .listCommitments({ subject: { subject: { $case: 'creditCode', value: subject } }, overdueOnly })
  ).commitments;
const overdueEvents = () =>
  hub.seen.filter(
    (m) => m.key?.toString() === subject && m.headers?.ce_type?.toString() === 'credit.commitment.overdue',
  );

describe('overdue post-checks', () => {
  it('are announced once when the due date passed without a check, listed as overdue, and still checkable', async () => {
    now = new Date('2026-03-20T02:00:00Z'); // the due day itself: not overdue
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await list(true)).toEqual([]);
    expect(overdueEvents()).toHaveLength(0);

    now = new Date('2026-03-21T02:00:00Z');
    const [event] = (await waitFor(() => (overdueEvents().length > 0 ? overdueEvents() : undefined), {
      timeoutMs: 30_000,
      message: 'credit.commitment.overdue',
    }))!;
    expect(event!.headers?.ce_causationid?.toString()).toBe(trackedEventId);
    expect(event!.headers?.ce_actor).toBeUndefined();
    const body = ev.CommitmentChanged.decode(event!.value!);
    expect(body).toMatchObject({
      change: 'overdue',
      commitment: { id: commitmentId, status: cv.CommitmentStatus.COMMITMENT_STATUS_OPEN, overdueOn: '2026-03-21' },
    });
    // once: more sweeps, days later, announce nothing more
    now = new Date('2026-03-25T02:00:00Z');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(overdueEvents()).toHaveLength(1);

    expect((await list(true)).map((c) => [c.id, c.overdueOn])).toEqual([[commitmentId, '2026-03-21']]);
    expect(await list(false)).toHaveLength(1);
    const checked = await hub.as(MARKET_REGULATION).recordPostCheck({
      commitmentId,
      result: cv.PostCheckResult.POST_CHECK_RESULT_KEPT,
      findings: '逾期核查：经营场所符合承诺',
      inspector: '310107-00001',
    });
    expect(checked.commitment).toMatchObject({ status: cv.CommitmentStatus.COMMITMENT_STATUS_KEPT });
    expect(await list(true)).toEqual([]);
  });
});
