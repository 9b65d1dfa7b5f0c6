import { type CatalogueItem, SEEDED_ITEMS } from '@onceonly/assistance';
import { assistanceV1 as av } from '@onceonly/contracts';
import type { Database } from '@onceonly/store';
import { chinaDateOf } from '@onceonly/workdays';
import { bulkLoadRequests, citizenId, sampleFields } from './assistance-data.js';
import { ASSISTANCE_TOPIC_NAME, type AssistanceHost, BENCH_EPOCH, startAssistanceHost } from './assistance-host.js';
import { startCertificateHost } from './certificate-host.js';
import {
  countStatements,
  ISSUE_CONCURRENCY,
  type IssueResult,
  measureIssues,
  type StatementCount,
} from './certificate-issue.js';
import { closedLoop } from './certificate-load.js';
import { startTopicReader } from './certificate-topic.js';
import { countingDatabase } from './counting-database.js';
import { profiled } from './cpu-profile.js';
import { type Latency, nowMs, summarise } from './stats.js';
import { fmt, type Ratio, type Suite } from './suite.js';

/** The item of the lifecycle row: a legal-aid applicant's economic status (about a person: the ID hashed). */
const LEGAL_AID = SEEDED_ITEMS.find((i) => i.code === 'PT-XZ-04')!;
/** Putuo's justice bureau, the only department that may ask for PT-XZ-04. */
const REQUESTER = (LEGAL_AID.requesters as readonly string[])[0]!;
const PROVIDER = LEGAL_AID.providers[0]!; // Putuo civil affairs bureau
const COMMANDS = ['submit', 'accept', 'answer', 'close'] as const;
/** The clerk's page of ListInbox. */
const PAGE_SIZE = 20;
/** What the service allows per page: the size the bench walks to the last page with. */
const WALK_PAGE_SIZE = 200;

interface LifecycleResult {
  requests: number;
  concurrency: number;
  /** From the first submit to the last answer of a close. */
  callsSeconds: number;
  /** From the first submit to the last `assistance.request.closed` read back from Kafka. */
  requestsPerSecond: number;
  /** Each command's call latency. */
  commandMs: Record<(typeof COMMANDS)[number], Latency>;
  /** A request's four calls, from the submit's start to the close's answer. */
  requestMs: Latency;
  /** From the submit's start to the `closed` event read. */
  submitToClosedEventMs: Latency;
  cpuMsPerRequest: number;
  statements: StatementCount;
}

interface InboxRow {
  name: string;
  filter: string;
  depth: number;
  calls: number;
  grpc: Latency;
  sql: Latency;
  plan: string[];
  /** How the plan reads the rows: the indexes it scans (or a sequential scan), and whether it sorts. */
  access: string;
}

interface InboxResult {
  loaded: number;
  loadSeconds: number;
  inboxRows: number;
  openRows: number;
  itemRows: number;
  overdueRows: number;
  rows: InboxRow[];
}

/**
 * Administrative assistance (issue 12): requests through their whole life (submit, accept, answer, close: each a
 * gRPC call of the department allowed to make it) per second, until the last `closed` event is on Kafka, beside the
 * certificate suite's IssueCertificate measurement (the same code) in the same run; then ListInbox with a district's
 * history of requests (100,000 at scale 1) in the service's tables: p50/p99 of the first page and the last full one, with and
 * without a filter, beside the same SELECT sent bare, and the EXPLAIN of the service's query.
 */
export const assistanceSuite: Suite = {
  name: 'assistance',
  title: 'Administrative assistance: request lifecycle beside IssueCertificate, ListInbox with 100,000 requests',
  async run({ brokers, run, withFreshDatabase, scale }) {
    const count = Math.max(16, Math.round(300 * scale));
    const warmup = Math.max(ISSUE_CONCURRENCY, Math.round(24 * scale));
    const loaded = Math.max(10_000, Math.round(100_000 * scale));
    const listCalls = Math.max(50, Math.round(300 * scale));

    process.stderr.write('IssueCertificate (the certificate suite’s measurement) as the baseline...\n');
    const { issue, issueErrors } = await withFreshDatabase(async (db) => {
      const counted = countingDatabase(db);
      const host = await startCertificateHost({ db: counted, brokers });
      try {
        const { issue } = await measureIssues({ host, db, counted, brokers, run, issues: count, warmup });
        return { issue, issueErrors: [...host.errors()] };
      } finally {
        await host.stop();
      }
    });

    const { lifecycle, inbox, serviceErrors } = await withFreshDatabase(async (db) => {
      let listSql: { sql: string; params: readonly unknown[] } | undefined;
      const counted = countingDatabase(db, (sql, params) => {
        if (/^\s*SELECT state, created_at, id FROM assistance\.requests/.test(sql))
          listSql = { sql, params: params ?? [] };
      });
      process.stderr.write('starting the assistance service (PostgreSQL, Kafka)...\n');
      const host = await startAssistanceHost({ db: counted, brokers });
      try {
        const lifecycle = await measureLifecycle({ host, db, counted, brokers, run, count, warmup });
        process.stderr.write(`loading ${loaded} requests into assistance.requests...\n`);
        const loadSeconds = await bulkLoadRequests(db, loaded, chinaDateOf(new Date(BENCH_EPOCH)));
        const inbox = await measureInbox({ host, db, calls: listCalls, lastList: () => listSql });
        return { lifecycle, inbox: { ...inbox, loaded, loadSeconds }, serviceErrors: [...host.errors()] };
      } finally {
        await host.stop();
      }
    });
    return report({ issue, lifecycle, inbox, serviceErrors: [...issueErrors, ...serviceErrors] });
  },
};

/** One request's whole life through gRPC: each command by the department allowed to make it. */
async function lifecycleOf(
  host: AssistanceHost,
  item: CatalogueItem,
  n: number,
  key: string,
  timing?: Record<(typeof COMMANDS)[number], number[]>,
): Promise<string> {
  const requester = host.as(REQUESTER);
  const provider = host.as(PROVIDER);
  const fields = sampleFields(item, n);
  const timed = async <T>(command: (typeof COMMANDS)[number], call: () => Promise<T>): Promise<T> => {
    const t0 = nowMs();
    const result = await call();
    timing?.[command].push(nowMs() - t0);
    return result;
  };
  const { request, replayed } = await timed('submit', () =>
    requester.submitRequest({
      idempotencyKey: key,
      itemCode: item.code,
      caseId: `PTFY-2026-${String(n).padStart(6, '0')}`,
      legalBasis: `${item.legalBasis.law}${item.legalBasis.article}`,
      purpose: '核查法律援助申请人经济困难状况',
      subject: { subject: { $case: 'citizenId', value: citizenId(n) } },
      fields: fields.request,
    }),
  );
  if (request === undefined || replayed) throw new Error('SubmitRequest: no new request');
  const id = request.id;
  await timed('accept', () => provider.acceptRequest({ id, expectedVersion: 1 }));
  await timed('answer', () =>
    provider.answerRequest({ id, expectedVersion: 2, fields: fields.answer, attachmentSha256: ['ab'.repeat(32)] }),
  );
  const { request: closed } = await timed('close', () =>
    requester.closeRequest({ id, expectedVersion: 3, rating: { timeliness: 5, effort: 4, comment: '' } }),
  );
  if (closed?.status !== av.RequestStatus.REQUEST_STATUS_CLOSED) throw new Error('CloseRequest: not closed');
  return id;
}

/**
 * `count` requests through their whole life at concurrency {@link ISSUE_CONCURRENCY} (each worker one request at a
 * time, its four calls in turn), after a quiet warm-up; timed from the first submit until a bare kafkajs consumer has
 * read the last `assistance.request.closed`; the service's statements counted as for IssueCertificate.
 */
async function measureLifecycle(options: {
  host: AssistanceHost;
  db: Database;
  counted: ReturnType<typeof countingDatabase>;
  brokers: string[];
  run: string;
  count: number;
  warmup: number;
}): Promise<LifecycleResult> {
  const { host, run, count } = options;
  const reader = await startTopicReader({ brokers: options.brokers, topic: ASSISTANCE_TOPIC_NAME });
  try {
    await closedLoop({
      label: 'warm-up lifecycles',
      calls: options.warmup,
      concurrency: ISSUE_CONCURRENCY,
      call: (i) => lifecycleOf(host, LEGAL_AID, 1_000_000 + i, `bench-${run}-warm-${i}`),
      quiet: true,
    });
    await reader.caughtUp();
    reader.record('assistance.request.closed');
    const timing = { submit: [], accept: [], answer: [], close: [] } as Record<(typeof COMMANDS)[number], number[]>;
    const ids: string[] = [];
    const sentAt = new Map<string, number>();
    const { result, statements } = await countStatements(
      { db: options.db, counted: options.counted, schema: 'assistance', operations: count },
      async () => {
        const cpu0 = process.cpuUsage();
        const calls = await profiled('assistance-lifecycle', () =>
          closedLoop({
            label: 'request lifecycle',
            calls: count,
            concurrency: ISSUE_CONCURRENCY,
            call: async (i) => {
              const t0 = nowMs();
              const id = await lifecycleOf(host, LEGAL_AID, i, `bench-${run}-${i}`, timing);
              ids[i] = id;
              sentAt.set(id, t0);
            },
          }),
        );
        process.stderr.write('waiting for the last assistance.request.closed on the topic...\n');
        const expectation = reader.expect(ids, 'assistance.request.closed');
        const lastRead = await expectation.done;
        return { calls, lastRead, readAt: expectation.readAt, cpu: process.cpuUsage(cpu0) };
      },
    );
    const { calls, lastRead, readAt, cpu } = result;
    return {
      requests: count,
      concurrency: ISSUE_CONCURRENCY,
      callsSeconds: calls.seconds,
      requestsPerSecond: count / ((lastRead - calls.started) / 1000),
      commandMs: {
        submit: summarise(timing.submit),
        accept: summarise(timing.accept),
        answer: summarise(timing.answer),
        close: summarise(timing.close),
      },
      requestMs: summarise(calls.latencies),
      submitToClosedEventMs: summarise(ids.map((id) => readAt.get(id)! - sentAt.get(id)!)),
      cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / count,
      statements,
    };
  } finally {
    await reader.stop();
  }
}

/** The indexes a plan scans (`**sequential scan**` if it reads a table whole), and `+ top-N sort` if it sorts. */
export function accessOf(plan: readonly string[]): string {
  const text = plan.join('\n');
  const indexes = [
    ...new Set([...text.matchAll(/Index (?:Only )?Scan(?: Backward)? (?:using|on) (\w+)/g)].map((m) => m[1]!)),
  ];
  const parts = [
    ...(/Seq Scan/.test(text) ? ['**sequential scan**'] : []),
    ...(indexes.length > 0 ? [`index ${indexes.join(' + ')}`] : []),
  ];
  return `${parts.join(', ')}${/\bSort\b/.test(text) ? ', then sort' : ''}`;
}

/** Sequential calls (one at a time): their latencies. */
async function sequential(calls: number, call: () => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = nowMs();
    await call();
    latencies.push(nowMs() - t0);
  }
  return latencies;
}

/**
 * ListInbox of the provider with the most requests, one call at a time: the first page and its last full page, without a filter and with the clerk's "open requests" filter (submitted or accepted). Each beside the same
 * SELECT (as the service sent it, caught on its database handle) sent bare on the pool, and its EXPLAIN ANALYZE.
 */
async function measureInbox(options: {
  host: AssistanceHost;
  db: Database;
  calls: number;
  lastList: () => { sql: string; params: readonly unknown[] } | undefined;
}): Promise<Omit<InboxResult, 'loaded' | 'loadSeconds'>> {
  const { db } = options;
  const clerk = options.host.as(PROVIDER);
  const open = [av.RequestStatus.REQUEST_STATUS_SUBMITTED, av.RequestStatus.REQUEST_STATUS_ACCEPTED];
  const { rows: sizes } = await db.query<{ all: number; open: number; item: number; overdue: number }>(
    `SELECT count(*)::int AS all, count(*) FILTER (WHERE status IN ('submitted', 'accepted'))::int AS open,
       count(*) FILTER (WHERE item_code = $2)::int AS item,
       count(*) FILTER (WHERE clock_runs AND due_date < $3::date)::int AS overdue
     FROM assistance.requests WHERE provider = $1`,
    [PROVIDER, LEGAL_AID.code, chinaDateOf(new Date(BENCH_EPOCH))],
  );
  const inboxRows = sizes[0]!.all;
  const openRows = sizes[0]!.open;
  const itemRows = sizes[0]!.item;
  const overdueRows = sizes[0]!.overdue;

  /** The page token after `depth` requests, reached as a client does: page after page (of the largest size). */
  const tokenAt = async (filter: av.ListFilter | undefined, depth: number): Promise<string> => {
    let token = '';
    for (let seen = 0; seen < depth; ) {
      const pageSize = Math.min(WALK_PAGE_SIZE, depth - seen);
      const page = await clerk.listInbox({ ...(filter ? { filter } : {}), pageSize, pageToken: token });
      seen += page.requests.length;
      token = page.nextPageToken;
      if (token === '') throw new Error(`the inbox ended before ${depth} requests`);
    }
    return token;
  };

  /** The last full page: the deepest a clerk pages to. */
  const last = (n: number) => Math.max(0, Math.floor((n - PAGE_SIZE) / PAGE_SIZE) * PAGE_SIZE);
  const openFilter = av.ListFilter.fromPartial({ statuses: open });
  const itemFilter = av.ListFilter.fromPartial({ itemCode: LEGAL_AID.code });
  const overdueFilter = av.ListFilter.fromPartial({ overdueOnly: true });
  const variants: { name: string; filter: string; list?: av.ListFilter; depth: number }[] = [
    { name: 'first page', filter: 'none', depth: 0 },
    { name: 'last full page', filter: 'none', depth: last(inboxRows) },
    { name: 'first page', filter: 'open (submitted, accepted)', list: openFilter, depth: 0 },
    { name: 'last full page', filter: 'open (submitted, accepted)', list: openFilter, depth: last(openRows) },
    { name: 'first page', filter: `item ${LEGAL_AID.code}`, list: itemFilter, depth: 0 },
    { name: 'last full page', filter: `item ${LEGAL_AID.code}`, list: itemFilter, depth: last(itemRows) },
    { name: 'first page', filter: 'overdue only', list: overdueFilter, depth: 0 },
    { name: 'last full page', filter: 'overdue only', list: overdueFilter, depth: last(overdueRows) },
  ].filter((v) => v.name === 'first page' || v.depth > 0); // at small scales, too few open requests for a second page
  const rows: InboxRow[] = [];
  for (const variant of variants) {
    const pageToken = variant.depth > 0 ? await tokenAt(variant.list, variant.depth) : '';
    const request = { ...(variant.list ? { filter: variant.list } : {}), pageSize: PAGE_SIZE, pageToken };
    const list = async () => {
      const page = await clerk.listInbox(request);
      if (page.requests.length !== PAGE_SIZE) throw new Error(`ListInbox: ${page.requests.length} requests`);
    };
    await sequential(20, list); // warm-up
    const grpc = summarise(await sequential(options.calls, list));
    const sent = options.lastList();
    if (sent === undefined) throw new Error('the ListInbox statement was not seen on the service’s handle');
    const sql = summarise(await sequential(options.calls, () => db.query(sent.sql, [...sent.params])));
    const { rows: planRows } = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sent.sql}`,
      [...sent.params],
    );
    const plan = planRows.map((r) => r['QUERY PLAN']);
    rows.push({
      name: variant.name,
      filter: variant.filter,
      depth: variant.depth,
      calls: options.calls,
      grpc,
      sql,
      plan,
      access: accessOf(plan),
    });
    process.stderr.write(
      `ListInbox ${variant.name}, filter ${variant.filter}: p50 ${fmt(grpc.p50, 2)} ms, p99 ${fmt(grpc.p99, 2)} ms\n`,
    );
  }
  return { inboxRows, openRows, itemRows, overdueRows, rows };
}

function report(found: {
  issue: IssueResult;
  lifecycle: LifecycleResult;
  inbox: InboxResult;
  serviceErrors: string[];
}) {
  const { issue, lifecycle, inbox, serviceErrors } = found;
  const commandsPerSecond = lifecycle.requestsPerSecond * COMMANDS.length;
  const perCommand = lifecycle.statements.perOperation / COMMANDS.length;
  const ratios: Ratio[] = [
    {
      name: 'assistance requests through their whole life (to the closed event on Kafka) / IssueCertificate (to the event on Kafka), per second at concurrency 8',
      value: lifecycle.requestsPerSecond / issue.issuesPerSecond,
      meaning: 'whole requests (submit, accept, answer, close: four calls, four events) against certificate issues',
    },
    {
      name: 'assistance commands / IssueCertificate calls, per second at concurrency 8 (to the events on Kafka)',
      value: commandsPerSecond / issue.issuesPerSecond,
      meaning: 'one state change of a request against one issue',
    },
    {
      name: 'SQL statements per assistance command / per IssueCertificate',
      value: perCommand / issue.statements.perOperation,
      meaning: 'round trips to PostgreSQL of one state change against one issue',
    },
    ...inbox.rows.map(
      (r): Ratio => ({
        name: `ListInbox ${r.name} (filter ${r.filter}) with ${inbox.loaded.toLocaleString('en')} requests / its SELECT sent bare, p50`,
        value: r.grpc.p50 / r.sql.p50,
        meaning: 'what gRPC, the edge checks and the mapping to messages add to the query',
      }),
    ),
  ];
  const cmd = (c: (typeof COMMANDS)[number]) =>
    `${c} ${fmt(lifecycle.commandMs[c].p50, 1)}/${fmt(lifecycle.commandMs[c].p99, 1)}`;
  const markdown = [
    'Services: `certificateModule` (as in the certificate suite) and `assistanceModule`, each hosted in the bench process',
    'on the kit gRPC server as the hub hosts it, over a fresh PostgreSQL database each and the run’s Kafka broker;',
    'callers by the development identity (credit code and role in headers, as on the hub’s loopback listener). The',
    `assistance service’s clock starts at ${new Date(BENCH_EPOCH).toISOString()} (inside the shipped holiday years).`,
    '',
    `### Whole requests beside issues, concurrency ${lifecycle.concurrency}`,
    '',
    '| what | count | per second | p50 ms | p99 ms | CPU ms/op | statements/op | × issues/s | note |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    `| IssueCertificate → certificate.issued read from Kafka | ${issue.statements.operations} | ${fmt(issue.issuesPerSecond, 0)} | ${fmt(issue.callToEvent.p50, 1)} | ${fmt(issue.callToEvent.p99, 1)} | ${fmt(issue.calls.cpuMsPerCall, 2)} | ${fmt(issue.statements.perOperation, 2)} | 1.000 | the certificate suite’s measurement (\`measureIssues\`); latency: call start → event read |`,
    `| request lifecycle → assistance.request.closed read from Kafka | ${lifecycle.requests} | ${fmt(lifecycle.requestsPerSecond, 1)} | ${fmt(lifecycle.submitToClosedEventMs.p50, 1)} | ${fmt(lifecycle.submitToClosedEventMs.p99, 1)} | ${fmt(lifecycle.cpuMsPerRequest, 2)} | ${fmt(lifecycle.statements.perOperation, 2)} | ${fmt(lifecycle.requestsPerSecond / issue.issuesPerSecond, 3)} | legal-aid applicant (PT-XZ-04, about a person): submit by the justice bureau, accept, answer (fields, an attachment digest) by civil affairs, close with a rating; each call after the previous one returned; latency: submit start → closed event read |`,
    `| the same, per command | ${lifecycle.requests * COMMANDS.length} | ${fmt(commandsPerSecond, 0)} | | | ${fmt(lifecycle.cpuMsPerRequest / COMMANDS.length, 2)} | ${fmt(perCommand, 2)} | ${fmt(commandsPerSecond / issue.issuesPerSecond, 3)} | call p50/p99 ms: ${COMMANDS.map(cmd).join(', ')} |`,
    '',
    `SQL statements per request: **${fmt(lifecycle.statements.perOperation, 2)}**, per command **${fmt(perCommand, 2)}** (${lifecycle.statements.statements} statements sent by the service over ${lifecycle.requests} requests, BEGIN and COMMIT counted, the relay included until it had marked every event published). By kind, per request: ${lifecycle.statements.byKind.map(([kind, n]) => `${kind} ${fmt(n / lifecycle.requests, 2)}`).join(', ')}. Per issue, for comparison: ${fmt(issue.statements.perOperation, 2)}.`,
    '',
    `### ListInbox with ${inbox.loaded.toLocaleString('en')} requests`,
    '',
    `${inbox.loaded.toLocaleString('en')} requests of 2023-01 to 2026-05 bulk-loaded into \`assistance.requests\` (and their idempotency keys) in multi-row INSERTs of 1,000 rows, each made by the service’s pure lifecycle (older ones closed, declined or withdrawn, one in 200 accepted and never answered; the last two weeks’ still open), then ANALYZE: ${fmt(inbox.loadSeconds, 1)} s. The inbox of civil affairs (providing PT-XZ-03 and PT-XZ-04) holds ${inbox.inboxRows.toLocaleString('en')} of them, ${inbox.openRows.toLocaleString('en')} open, ${inbox.itemRows.toLocaleString('en')} of ${LEGAL_AID.code}, ${inbox.overdueRows.toLocaleString('en')} overdue. Pages of ${PAGE_SIZE}, one call at a time, ${inbox.rows[0]?.calls ?? 0} calls each after 20; the last full page is reached by its page token (walked to by pages of ${WALK_PAGE_SIZE}). Baseline: the same SELECT with the same parameters, as the service sent it, on the pool.`,
    '',
    '| page | filter | after | ListInbox p50 ms | p99 ms | bare SELECT p50 ms | p99 ms | × SELECT (p50) | plan |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...inbox.rows.map(
      (r) =>
        `| ${r.name} | ${r.filter} | ${r.depth} | ${fmt(r.grpc.p50, 2)} | ${fmt(r.grpc.p99, 2)} | ${fmt(r.sql.p50, 2)} | ${fmt(r.sql.p99, 2)} | ${fmt(r.grpc.p50 / r.sql.p50, 2)} | ${r.access} |`,
    ),
    '',
    ...inbox.rows.flatMap((r) => [
      `EXPLAIN (ANALYZE, BUFFERS) of the ${r.name}, filter ${r.filter}:`,
      '',
      '```',
      ...r.plan,
      '```',
      '',
    ]),
    ...(serviceErrors.length > 0
      ? [`The services logged ${serviceErrors.length} error line(s) during the run: see results.json.`]
      : []),
  ].join('\n');
  return { markdown, json: { issue, lifecycle, inbox, serviceErrors }, ratios };
}
