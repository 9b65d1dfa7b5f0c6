/**
 * @onceonly/certificate: electronic certificates (电子证照) sealed with department seals. The public API is narrow on
 * purpose: the module the hub runs and the two names the benchmark's requests use. Clients import
 * `@onceonly/certificate/client` (the gRPC clients, offline verification); everything else is internal.
 */

// The benchmark's requests name a certificate type and a demo department.
export { TYPE_CODES } from './domain/catalogue.js';
export { PUTUO_MARKET_REGULATION } from './domain/departments.js';
// The service the hub runs, and the variables it reads.
export { CERTIFICATE_CONFIG, certificateModule } from './module.js';
