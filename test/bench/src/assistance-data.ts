import { createHash } from 'node:crypto';
import {
  ASSISTANCE_DEPARTMENTS,
  type CatalogueItem,
  COORDINATOR,
  clockRuns,
  mayRequest,
  requests,
  SEEDED_ITEMS,
} from '@onceonly/assistance';
import { computeCitizenIdCheck, computeUsccCheck, maskCitizenId } from '@onceonly/ids';
import type { Database } from '@onceonly/store';
import { CHINA_WORKDAYS, type PlainDate } from '@onceonly/workdays';

/**
 * Realistic requests for the assistance suite: what the clerks of each seeded item send and answer (fields by the
 * item's schemas), the people they are about, and the bulk load of a district's history of requests into the
 * service's own tables.
 */

/** A valid citizen ID (GB 11643) per `n`: the people legal-aid and social-assistance requests are about. */
export function citizenId(n: number): string {
  const born = `${1950 + (n % 50)}0${1 + (n % 9)}${10 + (n % 18)}`;
  const first17 = `310107${born}${String(n % 1000).padStart(3, '0')}`;
  return first17 + computeCitizenIdCheck(first17);
}

/** A valid unified social credit code per `n` (the enterprises and developers requests name). */
function enterprise(n: number): string {
  const first17 = `91310107MA1G${String(n % 100_000).padStart(5, '0')}`;
  return first17 + computeUsccCheck(first17);
}

/** The request and answer fields a clerk fills for each seeded item. */
export function sampleFields(
  item: CatalogueItem,
  n: number,
): { request: Record<string, string>; answer: Record<string, string> } {
  const yes = n % 3 === 0 ? '是' : '否';
  const month = `2026-0${1 + (n % 5)}`;
  switch (item.code) {
    case 'PT-XZ-01':
      return {
        request: {
          project_name: `长寿路${n % 500}号改建工程`,
          address: `上海市普陀区长寿路${n % 500}号`,
          archive_type: '竣工档案',
        },
        answer: { found: yes, ...(yes === '是' ? { archive_no: `PT-JG-${n}` } : {}) },
      };
    case 'PT-XZ-02':
      return { request: { period: month }, answer: { registered: yes } };
    case 'PT-XZ-03':
      return { request: {}, answer: { household_status: ['低保家庭', '低收入家庭', '均不是'][n % 3]! } };
    case 'PT-XZ-04':
      return {
        request: { aid_case_no: `PTFY${2023 + (n % 4)}${String(n).padStart(6, '0')}` },
        answer: { economic_difficulty: yes, ...(yes === '是' ? { basis: '低保' } : {}) },
      };
    case 'PT-XZ-05':
      return {
        request: { period: month },
        answer: { contributed: yes, ...(yes === '是' ? { employer: enterprise(n) } : {}) },
      };
    case 'PT-XZ-06':
      return {
        request: {
          project_name: `真北路燃气管线${n % 200}`,
          route: '沿真北路东侧人行道下敷设，至金沙江路口',
          applicant: enterprise(n),
        },
        answer: { opinion: ['同意', '有条件同意', '不同意'][n % 3]! },
      };
    default:
      return { request: { enterprise: enterprise(n), since: '2023-01-01' }, answer: { serious_violation: '无' } };
  }
}

/** How the district's requests spread over the items (legal aid and household checks are the bulk of them). */
const ITEM_WEIGHTS: Record<string, number> = {
  'PT-XZ-01': 8,
  'PT-XZ-02': 10,
  'PT-XZ-03': 25,
  'PT-XZ-04': 20,
  'PT-XZ-05': 15,
  'PT-XZ-06': 7,
  'PT-XZ-07': 15,
};

const WEIGHTED_ITEMS: readonly CatalogueItem[] = SEEDED_ITEMS.flatMap((item) =>
  Array.from({ length: ITEM_WEIGHTS[item.code] ?? 1 }, () => item),
);

/** The departments that may ask for each item (the coordinator decides disputes, it does not ask). */
function requestersOf(item: CatalogueItem): string[] {
  return ASSISTANCE_DEPARTMENTS.filter((d) => d !== COORDINATOR && mayRequest(item, d.code)).map((d) => d.code);
}

/** A request's row as the service stores it (`assistance.requests`), with its idempotency key's row. */
interface Row {
  request: requests.AssistanceRequest;
  createdAt: Date;
  updatedAt: Date;
}

const BEGIN_LOAD = '2023-01-03' as PlainDate;

/** Shanghai 09:00 of `day` plus `seconds`. */
function instant(day: PlainDate, seconds: number): Date {
  return new Date(Date.parse(`${day}T01:00:00Z`) + seconds * 1000);
}

/**
 * The `n`-th of `count` requests made between 2023-01-03 and `until` (in order of time, every working day alike), run
 * through the service's pure lifecycle: old requests are closed with a rating (a few declined or withdrawn, a few
 * answered and never closed, one in 200 accepted and never answered), those of the last two weeks are still open
 * (submitted, accepted or answered).
 */
function historicRequest(n: number, count: number, days: readonly PlainDate[]): Row {
  const item = WEIGHTED_ITEMS[(n * 7919) % WEIGHTED_ITEMS.length]!;
  const requesters = requestersOf(item);
  const requester = requesters[n % requesters.length]!;
  const dayIndex = Math.floor((n / count) * days.length);
  const submittedOn = days[dayIndex]!;
  const age = days.length - 1 - dayIndex; // working days before the end of the load
  const fields = sampleFields(item, n);
  const actor = { department: requester };
  const provider = { department: item.providers[0]! };
  const id = `bench-${String(n).padStart(7, '0')}`;
  let { request } = requests.submit(
    item,
    {
      id,
      actor,
      caseId: `PT-${submittedOn.slice(0, 4)}-${String(n).padStart(6, '0')}`,
      legalBasis: `${item.legalBasis.law}${item.legalBasis.article}`,
      purpose: `办理${item.nameZh}所需`,
      ...(item.aboutPerson
        ? {
            subject: {
              kind: 'person' as const,
              key: createHash('sha256').update(`bench-person-${n}`).digest('hex'),
              masked: maskCitizenId(citizenId(n)),
            },
          }
        : {}),
      fields: fields.request,
    },
    submittedOn,
    CHINA_WORKDAYS,
  );
  const step = (k: number) => days[Math.min(days.length - 1, dayIndex + k)]!;
  const fate = n % 100;
  const open = age < 10;
  // one in 200 older requests accepted and never answered: the overdue stragglers escalation is for
  const stuck = !open && fate === 8 && Math.floor(n / 100) % 2 === 0;
  let last = submittedOn;
  if (open ? fate < 30 : false) {
    // still waiting to be accepted
  } else if (!open && fate < 4) {
    request = requests.decline(request, {
      actor: provider,
      expectedVersion: 1,
      reasons: '不属于本部门职责范围',
    }).request;
    last = step(1);
  } else if (!open && fate < 8) {
    request = requests.withdraw(request, { actor, expectedVersion: 1, reason: '案件已撤销' }, step(1)).request;
    last = step(1);
  } else {
    request = requests.accept(request, { actor: provider, expectedVersion: 1 }, step(1)).request;
    last = step(1);
    if ((!open && !stuck) || fate >= 70) {
      const answeredOn = step(2 + (n % Math.max(1, item.timeLimitWorkingDays - 1)));
      request = requests.answer(
        request,
        item,
        {
          actor: provider,
          expectedVersion: 2,
          fields: fields.answer,
          attachments: [createHash('sha256').update(id).digest('hex')],
        },
        answeredOn,
      ).request;
      last = answeredOn;
      if (!open && fate >= 12) {
        last = step(3 + item.timeLimitWorkingDays);
        request = requests.close(
          request,
          { actor, expectedVersion: 3, rating: { timeliness: 3 + (n % 3), effort: 2 + (n % 4) } },
          last,
        ).request;
      }
    }
  }
  const createdAt = instant(submittedOn, n % 28_800);
  return { request, createdAt, updatedAt: last === submittedOn ? createdAt : instant(last, (n * 13) % 28_800) };
}

/** Working days from 2023-01-03 up to the day before `until`. */
function workingDaysUntil(until: PlainDate): PlainDate[] {
  const days: PlainDate[] = [];
  for (let day: PlainDate = BEGIN_LOAD; day < until; day = CHINA_WORKDAYS.addWorkingDays(day, 1)) days.push(day);
  return days;
}

const REQUEST_COLUMNS = 13;
const ROWS_PER_INSERT = 1000;

/**
 * Loads `count` requests of a district's history (2023 to `until`) into `assistance.requests`, with their idempotency
 * keys, in multi-row INSERTs of {@link ROWS_PER_INSERT} rows (the service's own tables and columns, its state JSON
 * made by its pure lifecycle), then ANALYZE, as autovacuum would after such a load. Returns the seconds it took.
 */
export async function bulkLoadRequests(db: Database, count: number, until: PlainDate): Promise<number> {
  const days = workingDaysUntil(until);
  const started = performance.now();
  for (let from = 0; from < count; from += ROWS_PER_INSERT) {
    const rows = Array.from({ length: Math.min(ROWS_PER_INSERT, count - from) }, (_, i) =>
      historicRequest(from + i, count, days),
    );
    const params: unknown[] = [];
    const tuples = rows.map(({ request: r, createdAt, updatedAt }, i) => {
      params.push(
        r.id,
        r.itemCode,
        r.itemVersion,
        r.requester,
        r.provider,
        r.status,
        r.version,
        r.dueDate,
        clockRuns(r),
        r.subject?.kind === 'person' ? r.subject.key : null,
        JSON.stringify(r),
        createdAt,
        updatedAt,
      );
      const base = i * REQUEST_COLUMNS;
      return `(${Array.from({ length: REQUEST_COLUMNS }, (_, c) => `$${base + c + 1}${c === 10 ? '::jsonb' : ''}`).join(', ')})`;
    });
    await db.query(
      `INSERT INTO assistance.requests (id, item_code, item_version, requester, provider, status, version, due_date,
         clock_runs, subject_key, state, created_at, updated_at) VALUES ${tuples.join(', ')}`,
      params,
    );
    const keyParams: unknown[] = [];
    const keyTuples = rows.map(({ request: r, createdAt }, i) => {
      keyParams.push(r.requester, `key-${r.id}`, createHash('sha256').update(r.id).digest('hex'), r.id, createdAt);
      const b = i * 5;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5})`;
    });
    await db.query(
      `INSERT INTO assistance.idempotency_keys (requester, key, request_hash, request_id, created_at)
       VALUES ${keyTuples.join(', ')}`,
      keyParams,
    );
  }
  await db.exec('ANALYZE assistance.requests; ANALYZE assistance.idempotency_keys');
  return (performance.now() - started) / 1000;
}
