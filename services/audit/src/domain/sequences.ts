/**
 * Completeness: each producer's outbox relay stamps a gap-free sequence (1, 2, 3, ...) per source on its events, so
 * the audit log can tell when one is missing or came twice. Events of one source travel in several partitions (they are
 * keyed by subject), so they may arrive out of order: a number above the next expected one is not yet a loss, only
 * a hole that may fill. These functions are pure; the log keeps their state in its tables.
 */

/** How far one source's sequence is known to be complete. */
export interface SequenceState {
  /** Every number from 1 to here has arrived (0: none yet). */
  readonly contiguous: bigint;
  /** The highest number that arrived (0: none yet). */
  readonly maxSeen: bigint;
}

/** What the arrival of one sequence number means. */
export type SequenceArrival =
  /** The next expected number: the complete prefix grows (and may absorb numbers that arrived early). */
  | { readonly kind: 'next' }
  /** A number inside a known hole: it fills part of it. */
  | { readonly kind: 'fill' }
  /** A number beyond every number seen: the next one in line, or ahead of a new hole `[expected, got)`. */
  | { readonly kind: 'ahead'; readonly gap?: { readonly expected: bigint; readonly got: bigint } }
  /** A number that had already arrived (another event id with the same source and sequence). */
  | { readonly kind: 'repeat' };

/**
 * Classifies the arrival of `sequence` for a source in `state`; `alreadySeen` says whether a logged event of the
 * source already carries that number. A new hole is reported once, by the arrival that opens it.
 */
export function classifyArrival(state: SequenceState, sequence: bigint, alreadySeen: boolean): SequenceArrival {
  if (alreadySeen || sequence <= state.contiguous) return { kind: 'repeat' };
  if (sequence === state.contiguous + 1n) return { kind: 'next' };
  if (sequence <= state.maxSeen) return { kind: 'fill' };
  if (sequence === state.maxSeen + 1n) return { kind: 'ahead' };
  return { kind: 'ahead', gap: { expected: state.maxSeen + 1n, got: sequence } };
}

/** The state after `sequence` arrived, before absorbing numbers that arrived early (see {@link advance}). */
export function afterArrival(state: SequenceState, sequence: bigint): SequenceState {
  const maxSeen = sequence > state.maxSeen ? sequence : state.maxSeen;
  const contiguous = sequence === state.contiguous + 1n ? sequence : state.contiguous;
  return { contiguous, maxSeen };
}

/**
 * Moves the complete prefix over numbers that had arrived early: `following` are numbers of the source above
 * `contiguous`, ascending (repeats allowed). Returns the new end of the prefix and whether it stopped at a hole
 * (false: `following` ran out, so the caller may read more).
 */
export function advance(contiguous: bigint, following: readonly bigint[]): { contiguous: bigint; blocked: boolean } {
  let end = contiguous;
  for (const n of following) {
    if (n <= end) continue;
    if (n !== end + 1n) return { contiguous: end, blocked: true };
    end = n;
  }
  return { contiguous: end, blocked: false };
}

/** A source's missing numbers `[from, to]` (inclusive) or a number that arrived more than once. */
export type SequenceProblem =
  | { readonly kind: 'gap'; readonly source: string; readonly from: bigint; readonly to: bigint }
  | { readonly kind: 'repeat'; readonly source: string; readonly sequence: bigint; readonly eventId: string };

/**
 * The offline check of a whole log (replay, verify): feed every (source, sequence) in any order, then read the
 * holes and repeats. Memory grows with the number of holes, not with the number of events: each source keeps
 * sorted, disjoint runs of the numbers it saw.
 */
export class SequenceTracker {
  readonly #runs = new Map<string, Array<[bigint, bigint]>>();
  readonly #repeats: SequenceProblem[] = [];

  /** Records one event; returns false when its number had been seen before (a repeat, kept for {@link problems}). */
  add(source: string, sequence: bigint, eventId: string): boolean {
    const runs = this.#runs.get(source) ?? [];
    this.#runs.set(source, runs);
    // the last run whose start is <= sequence
    let lo = 0;
    let hi = runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (runs[mid]![0] <= sequence) lo = mid + 1;
      else hi = mid;
    }
    const before = lo - 1;
    const left = before >= 0 ? runs[before]! : undefined;
    if (left && sequence <= left[1]) {
      this.#repeats.push({ kind: 'repeat', source, sequence, eventId });
      return false;
    }
    const right = runs[before + 1];
    const joinsLeft = left !== undefined && left[1] + 1n === sequence;
    const joinsRight = right !== undefined && right[0] - 1n === sequence;
    if (joinsLeft && joinsRight) {
      left[1] = right[1];
      runs.splice(before + 1, 1);
    } else if (joinsLeft) left[1] = sequence;
    else if (joinsRight) right[0] = sequence;
    else runs.splice(before + 1, 0, [sequence, sequence]);
    return true;
  }

  /** The sources seen, with the highest number of each. */
  sources(): Array<{ source: string; maxSeen: bigint; contiguous: bigint }> {
    return [...this.#runs.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([source, runs]) => {
        const first = runs[0];
        return {
          source,
          maxSeen: runs.at(-1)?.[1] ?? 0n,
          contiguous: first && first[0] === 1n ? first[1] : 0n,
        };
      });
  }

  /** Every hole (numbers from 1 up to the highest seen that never arrived) and every repeat. */
  problems(): SequenceProblem[] {
    const gaps: SequenceProblem[] = [];
    for (const { source } of this.sources()) {
      let next = 1n;
      for (const [start, end] of this.#runs.get(source) ?? []) {
        if (start > next) gaps.push({ kind: 'gap', source, from: next, to: start - 1n });
        next = end + 1n;
      }
    }
    return [...gaps, ...this.#repeats];
  }
}
