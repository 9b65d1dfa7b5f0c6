import { type Finding, finding } from './findings.js';
import type { Projection, ReplayEvent } from './projection.js';

/**
 * What a service's pure fold returns for one of its facts: nothing wrong, or the reasons its rules could not have
 * produced the fact in the state the earlier facts give (each becomes a PROJECTION_EVENT_INVALID finding).
 */
export interface Evolved {
  readonly problems: readonly string[];
  /** The key the problems are about (a certificate id), when there is one. */
  readonly key?: string;
}

/**
 * A service's replay projection in the shape of docs/adr/005: a decoder in its event adapter (logged event → its own
 * domain fact, no protobuf past it) and a pure `evolve` in its domain (state, fact → problems; the state is updated
 * in place). `decode` returns `'ignore'` for facts that change nothing (reads), undefined for a type it does not
 * know (its effect is unknown: a finding), and may throw on a body that does not decode (a finding too).
 */
export interface EvolveSpec<S, F> {
  readonly name: string;
  /** Whether the projection reads this event type at all (others leave the state alone, silently). */
  readonly accepts: (type: string) => boolean;
  readonly decode: (event: ReplayEvent) => F | 'ignore' | undefined;
  readonly evolve: (state: Map<string, S>, fact: F, event: { readonly id: string }) => Evolved;
  /** How messages name a key (default: the key itself; the certificate's says `certificate <id>`). */
  readonly keyLabel?: (key: string) => string;
}

/** The {@link Projection} of a decoder and a pure fold. */
export function projectionOf<S, F>(spec: EvolveSpec<S, F>): Projection<S> {
  return {
    name: spec.name,
    apply(state, event) {
      if (!spec.accepts(event.type)) return undefined;
      let fact: F | 'ignore' | undefined;
      try {
        fact = spec.decode(event);
      } catch (err) {
        return [
          invalidEvent(
            event,
            undefined,
            `the body does not decode: ${err instanceof Error ? err.message : String(err)}`,
          ),
        ];
      }
      if (fact === 'ignore') return undefined;
      if (fact === undefined) {
        return [
          invalidEvent(
            event,
            undefined,
            `the type ${event.type} is not one the projection knows: its effect is unknown`,
          ),
        ];
      }
      const { problems, key } = spec.evolve(state, fact, event);
      const label = key === undefined ? undefined : (spec.keyLabel?.(key) ?? key);
      return problems.map((p) => invalidEvent(event, key, p, label));
    },
  };
}

/** An event the service's rules could not have produced (PROJECTION_EVENT_INVALID), about `key` when given. */
export function invalidEvent(
  event: Pick<ReplayEvent, 'id' | 'type'>,
  key: string | undefined,
  why: string,
  label = key,
): Finding {
  return finding('PROJECTION_EVENT_INVALID', `${event.type}${label ? ` of ${label}` : ''}: ${why}`, {
    eventId: event.id,
    ...(key ? { key } : {}),
  });
}
