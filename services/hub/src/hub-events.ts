import { HubHeartbeat } from '@onceonly/contracts';
import { defineEvent, defineTopic } from '@onceonly/events';

/** Schema of the hub's own tables (its outbox). */
export const HUB_SCHEMA = 'hub';
const SOURCE = '/onceonly/hub';
const DATASCHEMA = 'proto:onceonly.events.v1.HubHeartbeat';

/** The hub's own topic: facts about hub processes (started, stopped). Keyed by instance id. */
export const HUB_TOPIC = defineTopic({
  name: 'onceonly.hub.v1',
  partitions: 1,
  retentionMs: 7 * 24 * 3600 * 1000,
  owner: 'hub',
  eventTypes: ['hub.started', 'hub.stopped'],
});

export const HubStarted = defineEvent({
  type: 'hub.started',
  source: SOURCE,
  dataschema: DATASCHEMA,
  codec: HubHeartbeat,
});
export const HubStopped = defineEvent({
  type: 'hub.stopped',
  source: SOURCE,
  dataschema: DATASCHEMA,
  codec: HubHeartbeat,
});
