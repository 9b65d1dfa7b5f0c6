import { type Finding, finding } from '@onceonly/replay';

/** An event as read from the bus, by the replay. */
export interface BusEvent {
  readonly leafHash: Uint8Array;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** True when the log's consumer group had not yet committed past this record when the replay began. */
  readonly beyondLog?: boolean;
}

/**
 * Matches the log's leaves with the bus's copies of their events by id, in whatever order the two arrive: the replay
 * reads the bus and the stored log at the same time (ADR 015), so either side may come first. Whichever side comes
 * first waits in a map until the other arrives; a pair is compared (the leaf hash the bus's copy makes against the
 * stored leaf's) and forgotten, except for the bus copy's hash, kept to compare a later second copy of the event on
 * the bus with. What is still waiting at the end is reported: leaves whose event is not on the bus
 * (EVENT_NOT_ON_BUS), events on the bus the log lacks (EVENT_MISSING_FROM_LOG, or EVENT_NOT_YET_LOGGED beyond the
 * log group's committed offset). The findings do not depend on the order in which the two sides arrive.
 *
 * Memory: one entry per event waiting on either side, plus the id and hash of each matched event (about 150 bytes
 * per event).
 */
export class BusMatcher {
  readonly #bus = new Map<string, BusEvent>();
  readonly #log = new Map<string, { leafIndex: number; leafHash: Uint8Array }>();
  /** The first bus copy's leaf hash of every matched event. */
  readonly #matchedBus = new Map<string, Uint8Array>();
  readonly #findings: Finding[] = [];
  #matched = 0;

  /** One record read from the bus: its event's id and the leaf hash its content makes. */
  addBus(id: string, event: BusEvent): void {
    const first = this.#bus.get(id)?.leafHash ?? this.#matchedBus.get(id);
    if (first !== undefined) {
      // a second copy of one event on the bus: the first is the one compared with the log
      if (!equal(first, event.leafHash)) {
        this.#findings.push(
          finding('EVENT_ALTERED', `two different events on the bus share the id ${id}`, { eventId: id }),
        );
      }
      return;
    }
    const leaf = this.#log.get(id);
    if (leaf === undefined) {
      this.#bus.set(id, event);
      return;
    }
    this.#log.delete(id);
    this.#compare(id, leaf, event);
  }

  /** One leaf of the log (each event once: a second leaf of one event is the verifier's EVENT_DUPLICATED). */
  addLog(id: string, leafIndex: number, leafHash: Uint8Array): void {
    const event = this.#bus.get(id);
    if (event === undefined) {
      this.#log.set(id, { leafIndex, leafHash });
      return;
    }
    this.#bus.delete(id);
    this.#compare(id, { leafIndex, leafHash }, event);
  }

  /** The ids of the bus events no leaf matched so far. */
  unmatchedBusIds(): string[] {
    return [...this.#bus.keys()];
  }

  /**
   * Marks the bus events not matched so far that `beyondLog` says the log's consumer group had not read when the
   * bus read began: if the log never has them, they are in flight (EVENT_NOT_YET_LOGGED), not missing.
   */
  markBeyondLog(beyondLog: (event: BusEvent) => boolean): void {
    for (const [id, event] of this.#bus) if (beyondLog(event)) this.#bus.set(id, { ...event, beyondLog: true });
  }

  /** Forgets a bus event (one the log holds beyond the replay's snapshot: in flight, not missing). */
  forgetBus(id: string): void {
    this.#bus.delete(id);
  }

  /** Events found on both sides. */
  matched(): number {
    return this.#matched;
  }

  /**
   * The findings: each pair that differs, then what is left unmatched on either side. The pairs' findings are
   * sorted (by leaf index, those without one last, then by event id), so that the report does not depend on which
   * side's reads came first (the replay reads both at once, the log's checks maybe in another thread: ADR 022).
   */
  finish(): Finding[] {
    const out = [...this.#findings].sort(
      (a, b) =>
        (a.leafIndex ?? Number.POSITIVE_INFINITY) - (b.leafIndex ?? Number.POSITIVE_INFINITY) ||
        compareText(a.eventId ?? '', b.eventId ?? '') ||
        compareText(a.message, b.message),
    );
    const leaves = [...this.#log].sort((a, b) => a[1].leafIndex - b[1].leafIndex);
    for (const [id, { leafIndex }] of leaves) {
      out.push(
        finding('EVENT_NOT_ON_BUS', `leaf ${leafIndex}: event ${id} is not on the bus`, { leafIndex, eventId: id }),
      );
    }
    for (const [id, event] of this.#bus) {
      const where = `${event.topic}/${event.partition}@${event.offset}`;
      out.push(
        event.beyondLog
          ? finding('EVENT_NOT_YET_LOGGED', `event ${id} (${where}) is on the bus, not yet read by the log`, {
              eventId: id,
            })
          : finding('EVENT_MISSING_FROM_LOG', `event ${id} (${where}) was read by the log but is not in it`, {
              eventId: id,
            }),
      );
    }
    return out;
  }

  #compare(id: string, leaf: { leafIndex: number; leafHash: Uint8Array }, event: BusEvent): void {
    this.#matched++;
    this.#matchedBus.set(id, event.leafHash);
    if (!equal(event.leafHash, leaf.leafHash)) {
      this.#findings.push(
        finding(
          'EVENT_ALTERED',
          `leaf ${leaf.leafIndex}: event ${id} differs from the bus's copy (${event.topic}/${event.partition}@${event.offset})`,
          { leafIndex: leaf.leafIndex, eventId: id },
        ),
      );
    }
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
