import { defineTopic } from '@onceonly/events';

/** The event types of the materials service. */
export const MATERIALS_EVENT_TYPES = {
  stored: 'materials.material.stored',
  served: 'materials.material.served',
  accessDenied: 'materials.material.access-denied',
  resolutionMade: 'materials.resolution.made',
} as const;

/** The event types of the explicit request and preview, reuses, notifications and the applicant's view. */
export const CONSENT_EVENT_TYPES = {
  requested: 'materials.evidence.requested',
  previewed: 'materials.evidence.previewed',
  accepted: 'materials.evidence.accepted',
  rejected: 'materials.evidence.rejected',
  expired: 'materials.evidence.expired',
  reused: 'materials.evidence.reused',
  refused: 'materials.evidence.refused',
  changed: 'materials.evidence.changed',
  reusesRead: 'materials.reuses.read',
} as const;

/**
 * The topic of materials: every material stored, every read of one (granted or refused), every resolution, keyed by
 * the applicant's key (one applicant's events stay in order), kept 12 months like the EU's once-only exchanges.
 */
export const MATERIALS_TOPIC = defineTopic({
  name: 'onceonly.materials.v1',
  partitions: 3,
  retentionMs: 366 * 24 * 3600 * 1000,
  owner: 'materials',
  eventTypes: [...Object.values(MATERIALS_EVENT_TYPES), ...Object.values(CONSENT_EVENT_TYPES)],
});
