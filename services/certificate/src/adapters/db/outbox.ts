import type { ProtoCodec } from '@onceonly/contracts';
import { appendToOutbox, defineEvent, type EventDefinition, outboxInsertStatements } from '@onceonly/events';
import type { EventOutbox, OutgoingEvent } from '../../app/ports.js';
import { CERTIFICATE_EVENT_TYPES, type DomainEvent } from '../../domain/events.js';
import { CERTIFICATE_TOPIC } from '../../topics.js';
import { eventBodyOf } from '../event-bodies.js';
import { CERTIFICATE_SCHEMA } from './migrations.js';

/** CloudEvents source of every event of this service. */
export const CERTIFICATE_SOURCE = '/onceonly/certificate';

/** When the fact happened, for the envelope's `time`. */
function timeOf(event: DomainEvent): string {
  if (event.type === CERTIFICATE_EVENT_TYPES.LICENCES_CHECKED) return event.checkedAt;
  if (event.type === CERTIFICATE_EVENT_TYPES.VERIFIED) return event.verifiedAt;
  return event.facts.occurredAt;
}

/**
 * CloudEvents extension attributes that attribute an event to parties without decoding its body: `actor`, the code of
 * who acted (the department, the checking platform, the verifier; absent for expiry by time), and `issuer`, the
 * department that issued the certificate the event is about. The audit log decides who may read an entry by them.
 */
export function attributionOf(event: DomainEvent): Record<string, string> {
  const out: Record<string, string> = {};
  let actor = '';
  if (event.type === CERTIFICATE_EVENT_TYPES.LICENCES_CHECKED) actor = event.platformCode;
  else if (event.type === CERTIFICATE_EVENT_TYPES.VERIFIED) actor = event.verifierCode;
  else actor = event.facts.actorDepartmentCode;
  if (actor) out.actor = actor;
  const issuer = 'facts' in event ? event.facts?.issuerCode : undefined;
  if (issuer) out.issuer = issuer;
  return out;
}

const definitions = new Map<string, EventDefinition<unknown>>();

function definitionOf(type: string, dataschema: string, codec: ProtoCodec<unknown>): EventDefinition<unknown> {
  const key = `${type} ${dataschema}`;
  let definition = definitions.get(key);
  if (definition === undefined) {
    definition = defineEvent({ type, source: CERTIFICATE_SOURCE, dataschema, codec });
    definitions.set(key, definition);
  }
  return definition;
}

function entriesOf(events: readonly OutgoingEvent[]) {
  return events.map(({ event, sealKid }) => {
    const body = eventBodyOf(event, sealKid);
    const definition = definitionOf(body.type, body.dataschema, body.codec);
    return {
      topic: CERTIFICATE_TOPIC,
      event: definition.make({
        subject: body.subject,
        data: body.body,
        time: timeOf(event),
        extensions: attributionOf(event),
      }),
    };
  });
}

/** One SQL statement and its parameters (`$1`, `$2`...), to run as part of another (a data-modifying CTE). */
export interface EmbeddableStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** The outbox of schema `certificate`, writing protobuf bodies (`adapters/event-bodies.ts`) onto the topic. */
export const sqlEventOutbox: EventOutbox & {
  /**
   * The outbox insert of `events` as one statement, to embed in another statement that commits with it (ADR 014):
   * the statement `appendToOutbox` sends (`outboxInsertStatements` of libs/events). Undefined for more than 1,000
   * events (several statements): then append in a transaction.
   * @throws AppError EVENT_MALFORMED as `appendToOutbox` does.
   */
  statement(events: readonly OutgoingEvent[]): EmbeddableStatement | undefined;
} = {
  async append(tx, events) {
    await appendToOutbox(tx, CERTIFICATE_SCHEMA, entriesOf(events));
  },

  statement(events) {
    const statements = outboxInsertStatements(CERTIFICATE_SCHEMA, entriesOf(events));
    return statements.length === 1 ? statements[0] : undefined;
  },
};
