import type { certificateV1 as cv } from '@onceonly/contracts';
import { unary } from '@onceonly/kit';
import { listDepartmentsCase } from '../../app/list-departments.js';
import { listHolderCertificatesCase } from '../../app/list-holder-certificates.js';
import type { CertificateDeps } from '../../app/ports.js';
import type { Department } from '../../domain/departments.js';
import { parseListHolderCertificates } from './certificate-requests.js';
import { assertNotPlatform } from './certificate-service.js';
import { stateToProto } from './to-proto.js';

// The read-only queries for the CLI and portals (ListDepartments, ListHolderCertificates): their handlers, kept apart
// from the lifecycle handlers; their requests are parsed in certificate-requests.ts like every other.

/** A known body as ListDepartments answers it. */
export function departmentToProto(d: Department): cv.Department {
  return { code: d.code, nameZh: d.nameZh, nameEn: d.nameEn, kind: d.kind, role: d.role, division: d.division };
}

/** The handlers of ListDepartments and ListHolderCertificates. */
export function certificateQueryHandlers(
  deps: CertificateDeps,
): Pick<cv.CertificateServiceServer, 'listDepartments' | 'listHolderCertificates'> {
  return {
    listDepartments: unary(async () => ({
      departments: listDepartmentsCase(deps.departments).map(departmentToProto),
    })),
    listHolderCertificates: unary(async (request: cv.ListHolderCertificatesRequest, { caller }) => {
      assertNotPlatform(caller);
      const who = { departmentCode: caller.departmentCode, role: caller.role };
      const states = await listHolderCertificatesCase(deps, parseListHolderCertificates(request), who);
      return { certificates: states.map(stateToProto) };
    }),
  };
}
