/**
 * @onceonly/assistance: administrative assistance (行政协助) between departments (issue 12). So far the pure domain:
 * the versioned catalogue with the seven seeded items, the request lifecycle, working-day deadlines and alerts, and
 * the IMI-style indicators. The gRPC service, storage, events and CLI come next (see README.md); once the module
 * exists this API narrows to the module, its configuration and the client.
 */
export {
  type AssistanceKind,
  type CatalogueItem,
  checkedItem,
  findItem,
  type ItemRevision,
  type LegalBasis,
  mayRequest,
  reviseItem,
  SEEDED_ITEMS,
} from './domain/catalogue.js';
export {
  DEFAULT_DEADLINE_POLICY,
  type DeadlineAlert,
  type DeadlinePolicy,
  deadlineAlerts,
} from './domain/deadlines.js';
export { ASSISTANCE_DEPARTMENTS, type AssistanceDepartment, COORDINATOR } from './domain/departments.js';
export { IMI_THRESHOLDS, type Indicators, indicatorsBy, indicatorsOf, type Light } from './domain/indicators.js';
export * as requests from './domain/request.js';
