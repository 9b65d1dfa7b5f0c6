/**
 * @onceonly/certificate: electronic certificates (电子证照) sealed with department seals. The public API is narrow on
 * purpose: the module the hub runs and the few names other packages use today. Everything else (domain, use cases,
 * adapters) is internal: clients talk to the service over gRPC (`proto/onceonly/certificate/v1`).
 */

// The CLI's offline verification (`onceonly cert verify --offline`): the same code as the service's.
export { type OfflineVerification, verifyOffline } from './app/verify-offline.js';
// The benchmark's requests name a certificate type and a demo department.
export { TYPE_CODES } from './domain/catalogue.js';
export { PUTUO_MARKET_REGULATION } from './domain/departments.js';
export type { StatusPurpose } from './domain/status-list.js';
// The service the hub runs, and the variables it reads.
export { CERTIFICATE_CONFIG, certificateModule } from './module.js';
