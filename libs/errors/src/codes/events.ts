import type { AreaCodes } from './status-name.js';

/** Events, topics and the broker (libs/events). */
export const EVENTS_CODES = {
  EVENT_MALFORMED: 'INVALID_ARGUMENT',
  EVENT_TOO_LARGE: 'RESOURCE_EXHAUSTED',
  EVENT_UNKNOWN_TYPE: 'INVALID_ARGUMENT',
  TOPIC_UNKNOWN: 'NOT_FOUND',
  BROKER_UNAVAILABLE: 'UNAVAILABLE',
  HANDLER_FAILED: 'INTERNAL',
} as const satisfies AreaCodes;
