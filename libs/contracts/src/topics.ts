/**
 * The names of the topics whose event bodies these contracts describe, for the services that consume another
 * service's events (services never import each other). The owning service defines the topic (partitions, retention,
 * event types) with the same name; a hub's namespace (ONCEONLY_NAMESPACE) is applied by the transport, never here.
 */
export const CONTRACT_TOPICS = {
  /** `certificate.*`: bodies in `certificateEventsV1`. */
  certificate: 'onceonly.certificate.v1',
  /** `credit.*`: bodies in `creditEventsV1`. */
  credit: 'onceonly.credit.v1',
} as const;
