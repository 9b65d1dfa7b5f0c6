/** One fault's figures, as the final table shows them. */
export interface PhaseRow {
  readonly fault: string;
  /** Commands started during the phase, and how they ended. */
  readonly sent: number;
  readonly acknowledged: number;
  /** Gave up after retrying (the client never learnt whether it took): allowed, counted. */
  readonly unacknowledged: number;
  /** Refused with a code that is not "try again": should not happen under this load. */
  readonly refused: number;
  /** Attempts beyond the first. */
  readonly retries: number;
  /** Cumulative over the run at the phase's check: must be 0. */
  readonly lost: number;
  readonly doubled: number;
  /** Events on the topic more than once (at-least-once publication, de-duplicated by consumers). */
  readonly redelivered: number;
  /** Seconds from the fault's end to the first acknowledgement after it. */
  readonly firstAckS: number | undefined;
  /** Longest stretch without any acknowledgement during the phase, in seconds. */
  readonly ackGapS: number;
  /** Seconds from the fault's end until the audit log and the consumer hold every event written. */
  readonly caughtUpS: number;
  /** `clean`, or what `audit replay` found. */
  readonly replay: string;
  /** Processes that exited unasked (and were restarted). */
  readonly crashes: number;
}

const HEADER = [
  'Fault',
  'Sent',
  'Acknowledged',
  'Unacknowledged',
  'Refused',
  'Retries',
  'Lost',
  'Doubled',
  'Redelivered',
  'First ack after (s)',
  'Longest ack gap (s)',
  'Caught up after (s)',
  'Replay',
  'Crashes',
];

const seconds = (s: number | undefined) => (s === undefined ? 'none' : s.toFixed(1));

/** The table in Markdown, one row per fault and a total of the counts. */
export function markdownTable(rows: readonly PhaseRow[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  const sum = (pick: (r: PhaseRow) => number) => rows.reduce((n, r) => n + pick(r), 0);
  const last = rows.at(-1);
  return [
    line(HEADER),
    line(HEADER.map((_, i) => (i === 0 || i === 12 ? '---' : '---:'))),
    ...rows.map((r) =>
      line([
        r.fault,
        r.sent,
        r.acknowledged,
        r.unacknowledged,
        r.refused,
        r.retries,
        r.lost,
        r.doubled,
        r.redelivered,
        seconds(r.firstAckS),
        seconds(r.ackGapS),
        seconds(r.caughtUpS),
        r.replay,
        r.crashes,
      ]),
    ),
    line([
      '**total**',
      sum((r) => r.sent),
      sum((r) => r.acknowledged),
      sum((r) => r.unacknowledged),
      sum((r) => r.refused),
      sum((r) => r.retries),
      last?.lost ?? 0,
      last?.doubled ?? 0,
      last?.redelivered ?? 0,
      '',
      '',
      '',
      '',
      sum((r) => r.crashes),
    ]),
  ].join('\n');
}

/** The longest interval between consecutive times in [from, to] (both ends count as points), in seconds. */
export function longestGap(times: readonly number[], from: number, to: number): number {
  const points = [from, ...times.filter((t) => t > from && t < to).sort((a, b) => a - b), to];
  let gap = 0;
  for (let i = 1; i < points.length; i++) gap = Math.max(gap, points[i]! - points[i - 1]!);
  return gap / 1000;
}

/** Whether the run passes: nothing lost, nothing doubled, nothing refused, every replay clean. */
export function passed(rows: readonly PhaseRow[]): boolean {
  return rows.every((r) => r.lost === 0 && r.doubled === 0 && r.refused === 0 && r.replay === 'clean');
}
