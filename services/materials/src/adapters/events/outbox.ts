import { materialsEventsV1 as ev } from '@onceonly/contracts';
import { appendToOutbox, defineEvent, type OutboxStatement, outboxInsertStatements } from '@onceonly/events';
import type { MaterialsOutbox } from '../../app/ports.js';
import type { Resolution } from '../../domain/resolution.js';
import { MATERIALS_EVENT_TYPES, MATERIALS_TOPIC } from '../../topics.js';
import { MATERIALS_SCHEMA } from '../db/stores.js';
import { materialToProto, resolutionToProto } from '../grpc/to-proto.js';

/** CloudEvents source of every event of this service. */
export const MATERIALS_SOURCE = '/onceonly/materials';

const stored = defineEvent({
  type: MATERIALS_EVENT_TYPES.stored,
  source: MATERIALS_SOURCE,
  dataschema: 'proto:onceonly.materials.v1.MaterialStored',
  codec: ev.MaterialStored,
});

const served = defineEvent({
  type: MATERIALS_EVENT_TYPES.served,
  source: MATERIALS_SOURCE,
  dataschema: 'proto:onceonly.materials.v1.MaterialAccessed',
  codec: ev.MaterialAccessed,
});

const accessDenied = defineEvent({
  type: MATERIALS_EVENT_TYPES.accessDenied,
  source: MATERIALS_SOURCE,
  dataschema: 'proto:onceonly.materials.v1.MaterialAccessed',
  codec: ev.MaterialAccessed,
});

const resolutionMade = defineEvent({
  type: MATERIALS_EVENT_TYPES.resolutionMade,
  source: MATERIALS_SOURCE,
  dataschema: 'proto:onceonly.materials.v1.ResolutionMade',
  codec: ev.ResolutionMade,
});

/**
 * Materials facts → CloudEvents on `onceonly.materials.v1`, keyed by the owner's or applicant's key (a credit code,
 * or the keyed hash of a citizen ID: never the ID), in the change's transaction. Extension `actor`: the caller.
 */
export const sqlMaterialsOutbox: MaterialsOutbox = {
  async stored(tx, material, actor, at) {
    const event = stored.make({
      subject: material.owner.key,
      time: at,
      extensions: { actor },
      data: { material: materialToProto(material), actorCode: actor, occurredAt: at.toISOString() },
    });
    await appendToOutbox(tx, MATERIALS_SCHEMA, [{ topic: MATERIALS_TOPIC, event }]);
  },
  async accessed(tx, access, at) {
    const event = (access.granted ? served : accessDenied).make({
      subject: access.material.owner.key,
      time: at,
      extensions: { actor: access.reader },
      data: {
        materialId: access.material.id,
        ownerKey: access.material.owner.key,
        readerCode: access.reader,
        readerRole: access.role,
        applicationId: access.applicationId ?? '',
        granted: access.granted,
        occurredAt: at.toISOString(),
      },
    });
    await appendToOutbox(tx, MATERIALS_SCHEMA, [{ topic: MATERIALS_TOPIC, event }]);
  },
};

/**
 * `materials.resolution.made` as the one outbox INSERT `appendToOutbox` would send, to embed in the statement that
 * stores the resolution (ADR 041): one event is always one statement.
 */
export function resolutionMadeStatement(resolution: Resolution, actor: string): OutboxStatement {
  const event = resolutionMade.make({
    subject: resolution.applicant.key,
    time: resolution.resolvedAt,
    extensions: { actor },
    data: {
      resolution: resolutionToProto(resolution),
      actorCode: actor,
      occurredAt: resolution.resolvedAt.toISOString(),
    },
  });
  return outboxInsertStatements(MATERIALS_SCHEMA, [{ topic: MATERIALS_TOPIC, event }])[0]!;
}
