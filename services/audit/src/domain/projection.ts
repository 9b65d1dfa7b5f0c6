import { type CompareContext, type Finding, finding, type ProjectionCheck, type ReplayEvent } from '@onceonly/replay';

// The generic run of a projection in a replay: apply every logged event in order, then read every key back from the
// service and name each difference. The contracts (Projection, ProjectionCheck, Finding) are in @onceonly/replay,
// shared with the services that own the projections.

/** What one projection did in a replay, for the report. */
export interface ProjectionSummary {
  readonly name: string;
  /** Keys rebuilt from the events (certificates). */
  readonly keys: number;
  /** Events the projection was given. */
  readonly events: number;
  /** Keys read back from the service. */
  readonly compared: number;
  /** Divergences found (events and comparisons). */
  readonly divergences: number;
  /** Why it was not compared with its service, when it was not. */
  readonly skipped?: string;
}

/** After this many failed reads a comparison stops: the service is not answering. */
export const MAX_READ_FAILURES = 5;

/** A projection's state as it is rebuilt during a replay. */
export class ProjectionRun<S, L = S> {
  readonly state = new Map<string, S>();
  readonly #eventFindings: Finding[] = [];
  #events = 0;
  #compared = 0;
  #divergences = 0;
  #logTimeMs = Number.NEGATIVE_INFINITY;
  #logTime: string | undefined;

  constructor(readonly check: ProjectionCheck<S, L>) {}

  get name(): string {
    return this.check.projection.name;
  }

  /** Applies one event; what is wrong with it is kept (with its event id and leaf index) for `compare`. */
  apply(event: ReplayEvent, leafIndex?: number): void {
    this.#events++;
    const at = Date.parse(event.time);
    if (at > this.#logTimeMs) {
      this.#logTimeMs = at;
      this.#logTime = event.time;
    }
    const found = this.check.projection.apply(this.state, event);
    for (const f of found ?? []) {
      this.#eventFindings.push({
        ...f,
        eventId: f.eventId ?? event.id,
        ...(f.leafIndex === undefined && leafIndex !== undefined ? { leafIndex } : {}),
      });
    }
  }

  /**
   * The findings about the events, then every rebuilt key compared with the service's answer, in key order. A key
   * the service cannot be asked about is a PROJECTION_READ_FAILED; after {@link MAX_READ_FAILURES} of them the rest
   * is not read (one more finding counts it).
   */
  async compare(options: { now?: Date; onProgress?: (done: number, total: number) => void } = {}): Promise<Finding[]> {
    const { projection, reader } = this.check;
    const context: CompareContext<S> = {
      state: this.state,
      now: options.now ?? new Date(),
      ...(this.#logTime === undefined ? {} : { logTime: this.#logTime }),
    };
    const findings: Finding[] = [...this.#eventFindings];
    if (reader === undefined) {
      const why = this.check.skipped ?? 'no reader of the service';
      findings.push(
        finding('PROJECTION_SKIPPED', `${projection.name}: ${this.state.size} keys rebuilt, not compared: ${why}`),
      );
      this.#divergences = findings.filter((f) => f.severity === 'divergence').length;
      return findings;
    }
    const keys = [...this.state.keys()];
    const concurrency = Math.max(1, this.check.concurrency ?? 8);
    let failures = 0;
    let done = 0;
    for (let start = 0; start < keys.length && failures < MAX_READ_FAILURES; start += concurrency) {
      const batch = keys.slice(start, start + concurrency);
      const answers = await Promise.all(
        batch.map((key) =>
          reader.read(key).then(
            (live) => ({ ok: true as const, live }),
            (error: unknown) => ({ ok: false as const, error }),
          ),
        ),
      );
      answers.forEach((answer, i) => {
        const key = batch[i]!;
        if (!answer.ok) {
          failures++;
          const message = `${projection.name} ${key}: not read from the service: ${reason(answer.error)}`;
          findings.push(finding('PROJECTION_READ_FAILED', message, { key }));
          return;
        }
        this.#compared++;
        findings.push(...this.#differences(key, this.state.get(key) as S, answer.live, context));
      });
      done += batch.length;
      options.onProgress?.(done, keys.length);
    }
    if (done < keys.length) {
      findings.push(
        finding(
          'PROJECTION_READ_FAILED',
          `${projection.name}: stopped after ${failures} failed reads; ${keys.length - done} of ${keys.length} keys not compared`,
        ),
      );
    }
    this.#divergences = findings.filter((f) => f.severity === 'divergence').length;
    return findings;
  }

  /** What the run did (after `compare`). */
  summary(): ProjectionSummary {
    const skipped = this.check.reader === undefined ? (this.check.skipped ?? 'no reader of the service') : undefined;
    return {
      name: this.name,
      keys: this.state.size,
      events: this.#events,
      compared: this.#compared,
      divergences: this.#divergences,
      ...(skipped === undefined ? {} : { skipped }),
    };
  }

  #differences(key: string, rebuilt: S, live: L | undefined, context: CompareContext<S>): Finding[] {
    if (this.check.differences) return this.check.differences(key, rebuilt, live, context);
    const equals = (a: S, b: L) =>
      this.check.equals ? this.check.equals(a, b) : JSON.stringify(a) === JSON.stringify(b);
    if (live !== undefined && equals(rebuilt, live)) return [];
    const said = live === undefined ? 'does not know it' : `says ${JSON.stringify(live)}`;
    return [
      finding(
        'PROJECTION_MISMATCH',
        `${this.name} ${key}: the events give ${JSON.stringify(rebuilt)}, the service ${said}`,
        { key },
      ),
    ];
  }
}

/** An error as a finding names it: its code (an AppError's) and message. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}
