import { CERTIFICATE_TYPES, type CertificateType } from '../domain/catalogue.js';
import type { Department } from '../domain/departments.js';
import { INDUSTRIES, type Industry } from '../domain/industries.js';
import type { Departments } from './ports.js';

/** One catalogue entry and the departments of this hub that issue it. */
export interface CatalogueEntry {
  readonly type: CertificateType;
  readonly issuers: readonly Department[];
}

/** ListCertificateTypes: every type with its issuing departments here, and the industries of 一业一证. */
export function listCertificateTypesCase(departments: Departments): {
  types: CatalogueEntry[];
  industries: readonly Industry[];
} {
  const types = CERTIFICATE_TYPES.map((type) => ({
    type,
    issuers: departments.all().filter((d) => d.role === 'department' && d.kind === type.issuerKind),
  }));
  return { types, industries: INDUSTRIES };
}
