import type { certificateV1 } from '@onceonly/contracts';
import { outboxBacklog } from '@onceonly/events';
import type { Database } from '@onceonly/store';
import { backendCpuDuring } from './backend-cpu.js';
import { CERTIFICATE_TOPIC_NAME, type CertificateHost, creditCode } from './certificate-host.js';
import { closedLoop, type LoadResult } from './certificate-load.js';
import { startTopicReader } from './certificate-topic.js';
import { type CountingDatabase, kindsSince } from './counting-database.js';
import { profiled } from './cpu-profile.js';
import { nowMs, summarise } from './stats.js';
import { type WaitShares, waitsPer } from './wait-sampler.js';

/** Concurrency of the IssueCertificate measurement and of its baseline. */
export const ISSUE_CONCURRENCY = 8;

/** SQL statements a service sent over a measurement, per operation and by kind. */
export interface StatementCount {
  statements: number;
  /** Operations they are divided by (issues, requests...). */
  operations: number;
  perOperation: number;
  byKind: [string, number][];
}

/** What the issue measurement found. */
export interface IssueResult {
  /** Calls returned: from the first call to the last answer. */
  calls: LoadResult;
  /** From the first call to the last `certificate.issued` read back from Kafka. */
  issuesPerSecond: number;
  /** Per issue: from just before its call to its event read from the topic. */
  callToEvent: ReturnType<typeof summarise>;
  /**
   * SQL statements the service sent per issue: everything from after the warm-up until its relay had published and
   * marked every event, with the same by kind (statement keyword and first table).
   */
  statements: StatementCount;
  /**
   * CPU ms per issue of the PostgreSQL backends of the service's database (`/proc/<pid>/stat`), over the same span
   * as the statements; undefined when PostgreSQL runs elsewhere.
   */
  backendCpuMsPerIssue?: number;
  /** What the run database's backends waited for per issue (locks, WAL), sampled; see `wait-sampler.ts`. */
  backendWaitsPerIssue?: WaitShares;
}

/** Waits until the relay of `schema` has published every outbox row (asked on the uncounted handle). */
export async function outboxDrained(db: Database, schema: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await outboxBacklog(db, schema)).pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the ${schema} outbox did not drain within 30 s`);
}

/**
 * Counts what a service sends on `counted` during `fn`: from a drained outbox before to a drained outbox after (the
 * relay's claims and marks of the events `fn` caused included), divided by `operations`.
 */
export async function countStatements<T>(
  options: { db: Database; counted: CountingDatabase; schema: string; operations: number },
  fn: () => Promise<T>,
): Promise<{ result: T; statements: StatementCount }> {
  await outboxDrained(options.db, options.schema);
  const statements0 = options.counted.statements();
  const kinds0 = options.counted.statementsByKind();
  const result = await fn();
  await outboxDrained(options.db, options.schema);
  const statements = options.counted.statements() - statements0;
  return {
    result,
    statements: {
      statements,
      operations: options.operations,
      perOperation: statements / options.operations,
      byKind: kindsSince(kinds0, options.counted.statementsByKind()),
    },
  };
}

/**
 * IssueCertificate through gRPC at concurrency {@link ISSUE_CONCURRENCY}, after a quiet warm-up: `issues` food
 * business licences, a new holder and idempotency key each, timed from the first call until a bare kafkajs consumer
 * has read the last `certificate.issued` from the topic; the service's statements counted on `counted` (see
 * {@link countStatements}). The certificate suite's IssueCertificate row, and the baseline of the assistance suite's
 * lifecycle row.
 */
export async function measureIssues(options: {
  host: CertificateHost;
  /** The service's database, uncounted (the bench's own polling). */
  db: Database;
  /** The same database as the service uses it, counting. */
  counted: CountingDatabase;
  brokers: string[];
  run: string;
  issues: number;
  warmup: number;
}): Promise<{ issue: IssueResult; issued: certificateV1.Certificate[] }> {
  const { host, run } = options;
  const reader = await startTopicReader({ brokers: options.brokers, topic: CERTIFICATE_TOPIC_NAME });
  try {
    await closedLoop({
      label: 'warm-up issues',
      calls: options.warmup,
      concurrency: ISSUE_CONCURRENCY,
      call: (i) => host.issue(creditCode(run, 1_000_000 + i), `bench-${run}-warm-${i}`),
      quiet: true,
    });
    await reader.caughtUp();
    const holders = Array.from({ length: options.issues }, (_, i) => creditCode(run, i));
    const sentAt = new Map<string, number>();
    const issued: certificateV1.Certificate[] = [];
    const expectation = reader.expect(holders, 'certificate.issued');
    const {
      result: { result, statements },
      ms: backendMs,
      waits,
    } = await backendCpuDuring(options.db, () =>
      countStatements(
        { db: options.db, counted: options.counted, schema: 'certificate', operations: options.issues },
        async () => {
          const cpu0 = process.cpuUsage();
          const calls = await profiled('issue', () =>
            closedLoop({
              label: 'IssueCertificate',
              calls: options.issues,
              concurrency: ISSUE_CONCURRENCY,
              call: async (i) => {
                const holder = holders[i]!;
                sentAt.set(holder, nowMs());
                const response = await host.issue(holder, `bench-${run}-${i}`);
                if (response.certificate === undefined || response.replayed) {
                  throw new Error('IssueCertificate: no new certificate');
                }
                issued[i] = response.certificate;
              },
            }),
          );
          process.stderr.write('waiting for the last certificate.issued on the topic...\n');
          const lastRead = await expectation.done;
          return { calls, lastRead, cpu: process.cpuUsage(cpu0) };
        },
      ),
    );
    const { calls, lastRead, cpu } = result;
    const issue: IssueResult = {
      calls: {
        name: 'IssueCertificate, calls returned',
        calls: options.issues,
        concurrency: ISSUE_CONCURRENCY,
        seconds: calls.seconds,
        callsPerSecond: options.issues / calls.seconds,
        latencyMs: summarise(calls.latencies),
        cpuMsPerCall: (cpu.user + cpu.system) / 1000 / options.issues,
        note: '',
      },
      issuesPerSecond: options.issues / ((lastRead - calls.started) / 1000),
      callToEvent: summarise(holders.map((h) => expectation.readAt.get(h)! - sentAt.get(h)!)),
      statements,
      ...(backendMs === undefined ? {} : { backendCpuMsPerIssue: backendMs / options.issues }),
      ...(waits === undefined ? {} : { backendWaitsPerIssue: waitsPer(waits, options.issues) }),
    };
    return { issue, issued };
  } finally {
    await reader.stop();
  }
}
