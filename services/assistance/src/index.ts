/**
 * @onceonly/assistance: administrative assistance (行政协助) between departments (issue 12): the module and its
 * configuration, and the pure domain (catalogue, lifecycle, deadlines, indicators) for tools and tests.
 */
export {
  type AssistanceKind,
  type CatalogueItem,
  checkedItem,
  findItem,
  type ItemDefinition,
  type ItemRevision,
  type LegalBasis,
  mayRequest,
  publishedItem,
  reviseItem,
  SEEDED_ITEMS,
} from './domain/catalogue.js';
export {
  clockRuns,
  DEFAULT_DEADLINE_POLICY,
  type DeadlineAlert,
  type DeadlinePolicy,
  deadlineAlerts,
} from './domain/deadlines.js';
export { ASSISTANCE_DEPARTMENTS, type AssistanceDepartment, COORDINATOR } from './domain/departments.js';
export { IMI_THRESHOLDS, type Indicators, indicatorsBy, indicatorsOf, type Light } from './domain/indicators.js';
export * as requests from './domain/request.js';
export { DEFAULT_RETENTION_DAYS, purgeDue, purgePersonalData } from './domain/retention.js';
export { ASSISTANCE_CONFIG, assistanceModule, migrateAssistance } from './module.js';
export { ASSISTANCE_EVENT_TYPES, ASSISTANCE_TOPIC } from './topics.js';
