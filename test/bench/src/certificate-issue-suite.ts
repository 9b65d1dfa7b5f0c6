import { randomBytes } from 'node:crypto';
import { backendCpuDuring } from './backend-cpu.js';
import { startCertificateHost } from './certificate-host.js';
import { ISSUE_CONCURRENCY, type IssueResult, measureIssues } from './certificate-issue.js';
import type { LoadResult } from './certificate-load.js';
import { bareCertificateInserts } from './certificate-pg-baseline.js';
import { countingDatabase } from './counting-database.js';
import { fmt, type Suite } from './suite.js';
import { waitsCell } from './wait-sampler.js';

/** Rounds of the issue measurement and its baseline, alternated. */
const ROUNDS = 3;

/** One round: the issues, the baseline's inserts, and the baseline's PostgreSQL backend CPU per insert. */
interface Round {
  issue: IssueResult;
  insert: LoadResult;
  backendCpuMsPerInsert?: number;
}

/** The median of some numbers (the lower middle one for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** The median of the defined values, or undefined when none is. */
function medianOf(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : median(defined);
}

/**
 * The certificate suite's IssueCertificate row alone (`npm run bench -- certificate-issue`): the same measurement
 * (`measureIssues`) and baseline (`bareCertificateInserts`), in {@link ROUNDS} alternating rounds on one service and
 * database, so that a change of the issue path can be measured A/B without the verification rows' minutes. Each
 * round issues to holders of its own; the ratio is taken per round and its median reported. Also in the default run
 * (`npm run bench`), right after the certificate suite: that suite measures the row once, after its verification rows,
 * and a single round varies more than the median of these (the first round of a service runs lower).
 */
export const certificateIssueSuite: Suite = {
  name: 'certificate-issue',
  title: 'Certificates: IssueCertificate beside a bare insert, alternating rounds',
  async run({ brokers, withFreshDatabase, scale }) {
    const issues = Math.max(16, Math.round(500 * scale));
    const warmup = Math.max(ISSUE_CONCURRENCY, Math.round(200 * scale));
    const rounds = await withFreshDatabase(async (db) => {
      const counted = countingDatabase(db);
      const host = await startCertificateHost({ db: counted, brokers });
      const found: Round[] = [];
      try {
        for (let round = 0; round < ROUNDS; round++) {
          // a run id per round: its first four characters name the round's holders
          const run = randomBytes(3).toString('hex');
          const { issue } = await measureIssues({ host, db, counted, brokers, run, issues, warmup });
          const { result: insert, ms: insertBackendMs } = await backendCpuDuring(db, () =>
            bareCertificateInserts(db, { rows: issues, warmup, concurrency: ISSUE_CONCURRENCY, round }),
          );
          // the baseline's warm-up inserts are in the span too: per insert over warm-up and measured ones
          const backendCpuMsPerInsert = insertBackendMs === undefined ? undefined : insertBackendMs / (issues + warmup);
          found.push({ issue, insert, ...(backendCpuMsPerInsert === undefined ? {} : { backendCpuMsPerInsert }) });
          process.stderr.write(
            `round ${round + 1}/${ROUNDS}: ${fmt(issue.issuesPerSecond, 0)} issues/s, ${fmt(insert.callsPerSecond, 0)} inserts/s, ratio ${fmt(issue.issuesPerSecond / insert.callsPerSecond, 3)}\n`,
          );
        }
      } finally {
        await host.stop();
      }
      return found;
    });
    const ratios = rounds.map((r) => r.issue.issuesPerSecond / r.insert.callsPerSecond);
    const ms = (value: number | undefined) => (value === undefined ? '–' : fmt(value, 3));
    const row = ({ issue, insert, backendCpuMsPerInsert }: Round, i: number) =>
      `| ${i + 1} | ${fmt(issue.issuesPerSecond, 0)} | ${fmt(insert.callsPerSecond, 0)} | ${fmt(ratios[i]!, 3)} | ${fmt(issue.calls.latencyMs.p50, 2)} | ${fmt(issue.calls.cpuMsPerCall, 3)} | ${fmt(insert.cpuMsPerCall, 3)} | ${ms(issue.backendCpuMsPerIssue)} | ${ms(backendCpuMsPerInsert)} | ${fmt(issue.statements.perOperation, 2)} | ${waitsCell(issue.backendWaitsPerIssue)} |`;
    const last = rounds[rounds.length - 1]!.issue.statements;
    const markdown = [
      `### IssueCertificate → certificate.issued on Kafka beside a bare insert, concurrency ${ISSUE_CONCURRENCY}, ${ROUNDS} alternating rounds`,
      '',
      '| round | issues/s | inserts/s | × bare insert | issue call p50 ms | CPU ms/issue | CPU ms/insert | PostgreSQL CPU ms/issue | PostgreSQL CPU ms/insert | statements/issue | PostgreSQL waits ms/issue, sampled: Lock + LWLock + IO |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...rounds.map(row),
      '',
      `Median ratio **${fmt(median(ratios), 3)}**, median CPU ms per issue ${fmt(median(rounds.map((r) => r.issue.calls.cpuMsPerCall)), 3)} (bench process: client, service, relay, reader) and ${ms(medianOf(rounds.map((r) => r.issue.backendCpuMsPerIssue)))} (PostgreSQL backends). Statements per issue by kind (last round): ${last.byKind.map(([kind, n]) => `${kind} ${fmt(n / last.operations, 2)}`).join(', ')}.`,
    ].join('\n');
    return {
      markdown,
      json: { rounds },
      ratios: [
        {
          name: 'IssueCertificate (to the event on Kafka) / bare PostgreSQL insert, per second at concurrency 8, median of alternating rounds',
          value: median(ratios),
          meaning: 'issue 11’s row: the certificate suite’s issue row in alternating rounds on one service, its median',
        },
      ],
    };
  },
};
