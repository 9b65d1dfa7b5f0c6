import type { certificateV1 as cv } from '@onceonly/contracts';
import { unary } from '@onceonly/kit';
import type { CertificateRef } from '../../app/get-certificate.js';
import { listDepartmentsCase } from '../../app/list-departments.js';
import { listHolderCertificatesCase } from '../../app/list-holder-certificates.js';
import type { CertificateDeps } from '../../app/ports.js';
import type { Department } from '../../domain/departments.js';
import { assertNotPlatform } from './certificate-service.js';
import { certificateId, codeTypeOf, text, type Violations } from './parse.js';
import { stateToProto } from './to-proto.js';

// The read-only queries added for the CLI and portals (GetCertificate by licence number, ListDepartments,
// ListHolderCertificates): their request parsing and handlers, kept apart from the lifecycle handlers.

/** The longest licence number or identifier accepted before it is refused unread. */
const MAX_REF_LENGTH = 200;

/**
 * GetCertificateRequest.ref: an id, a licence identifier, or a licence number (with an optional type code).
 * Field violations go to `out`.
 */
export function parseCertificateRef(request: cv.GetCertificateRequest, out: Violations): CertificateRef {
  const ref = request.ref;
  if (ref === undefined) {
    out.add('ref', 'REQUIRED', 'give the id, the licence identifier or the licence number');
    return { id: '' };
  }
  if (ref.$case === 'identifier') return { identifier: text(ref.value.trim(), 'identifier', out, MAX_REF_LENGTH) };
  if (ref.$case === 'number') {
    const number = text(ref.value.trim(), 'number', out, MAX_REF_LENGTH);
    if (number === '') out.add('number', 'REQUIRED', 'the licence number is required');
    const typeCode = text(request.typeCode.trim(), 'type_code', out, 64);
    return { number, ...(typeCode === '' ? {} : { typeCode }) };
  }
  return { id: certificateId(ref.value, out) };
}

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
      const holder = { code: request.holderCode, codeType: codeTypeOf(request.holderCodeType) };
      const states = await listHolderCertificatesCase(deps, holder);
      return { certificates: states.map(stateToProto) };
    }),
  };
}
