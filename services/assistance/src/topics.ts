import { defineTopic } from '@onceonly/events';

/** The event types of the assistance service: `assistance.request.<fact>`, and `assistance.item.published`. */
export const ASSISTANCE_EVENT_TYPES = {
  submitted: 'assistance.request.submitted',
  accepted: 'assistance.request.accepted',
  declined: 'assistance.request.declined',
  supplementRequested: 'assistance.request.supplement-requested',
  supplemented: 'assistance.request.supplemented',
  dueDateProposed: 'assistance.request.due-date-proposed',
  dueDateAgreed: 'assistance.request.due-date-agreed',
  reassigned: 'assistance.request.reassigned',
  answered: 'assistance.request.answered',
  closed: 'assistance.request.closed',
  withdrawn: 'assistance.request.withdrawn',
  regularised: 'assistance.request.regularised',
  disputeRaised: 'assistance.request.dispute-raised',
  disputeDecided: 'assistance.request.dispute-decided',
  reminder: 'assistance.request.reminder',
  overdue: 'assistance.request.overdue',
  escalated: 'assistance.request.escalated',
  regularisationOverdue: 'assistance.request.regularisation-overdue',
  personalDataPurged: 'assistance.request.personal-data-purged',
  read: 'assistance.request.read',
  /** Not a request's: a catalogue item published, keyed by the item code. */
  itemPublished: 'assistance.item.published',
} as const;

/**
 * The topic of requests: every change of a request, keyed by its id (one request's events stay in order), kept
 * a year like the certificates'. Department systems consume it to follow their inbox and outbox. Catalogue
 * publications go on it too, keyed by the item code.
 */
export const ASSISTANCE_TOPIC = defineTopic({
  name: 'onceonly.assistance.v1',
  partitions: 3,
  retentionMs: 365 * 24 * 3600 * 1000,
  owner: 'assistance',
  eventTypes: Object.values(ASSISTANCE_EVENT_TYPES),
});
