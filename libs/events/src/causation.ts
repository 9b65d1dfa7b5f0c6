import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventDraft } from './envelope.js';

/**
 * Causation: every event written while a consumer handles another carries the handled event's id as the CloudEvents
 * extension attribute `causationid` (lower-case alphanumerics, as CloudEvents requires of attribute names), so that
 * a reader (the audit log) can follow a chain of events across services. The consumer runs each per-event handler
 * inside {@link withCausation}; the outbox writers ({@link appendToOutbox}, `queryWithEvents`,
 * `outboxInsertStatements`) add the attribute to every draft that has none. A draft that names its own cause keeps
 * it (a use case that acts on a command can name the event its command is about).
 */

/** The extension attribute that names the causing event's id. */
export const CAUSATION_EXTENSION = 'causationid';

const current = new AsyncLocalStorage<string>();

/** Runs `fn` with `eventId` as the cause of every event it writes to an outbox. */
export function withCausation<T>(eventId: string, fn: () => T): T {
  return current.run(eventId, fn);
}

/** The id of the event being handled in this async context, if any. */
export function currentCausation(): string | undefined {
  return current.getStore();
}

/** The causing event's id an event or draft names, if any. */
export function causationOf(event: Pick<EventDraft, 'extensions'>): string | undefined {
  return event.extensions?.[CAUSATION_EXTENSION];
}

/** `draft` with the current cause added when it names none (the same draft when there is nothing to add). */
export function withCurrentCause(draft: EventDraft): EventDraft {
  const cause = current.getStore();
  if (cause === undefined || draft.extensions?.[CAUSATION_EXTENSION] !== undefined) return draft;
  return { ...draft, extensions: { ...draft.extensions, [CAUSATION_EXTENSION]: cause } };
}
