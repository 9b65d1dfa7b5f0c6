import { consentV1, certificateV1 as cv, certificateEventsV1 as ev, HolderCodeType } from '@onceonly/contracts';
import { describe, expect, it } from 'vitest';
import { ENTERPRISE_CODE, enterprise, foodLicence, MARKET, NOW, person } from '../../test/fixtures.js';
import { holderFacts } from '../domain/events.js';
import { LicenceOperation, LicenceStatus } from '../domain/lifecycle-codes.js';
import { revoke } from '../domain/status-changes.js';
import { VERIFICATION_REASONS } from '../domain/verification.js';
import { eventBodyOf, operationToProto, reasonToProto, refusalToProto, statusToProto } from './event-bodies.js';

describe('event bodies', () => {
  it('map status and operation codes to the proto enums of the same number', () => {
    for (const status of Object.values(LicenceStatus)) expect(statusToProto(status)).toBe(Number(status));
    expect(statusToProto('99')).toBe(cv.LicenceStatus.LICENCE_STATUS_OTHER);
    expect(operationToProto(LicenceOperation.CHANGE)).toBe(cv.LicenceOperation.LICENCE_OPERATION_CHANGE);
    expect(operationToProto(LicenceOperation.CANCEL_TRANSFER)).toBe(10);
  });

  it('map every verification reason and consent refusal to a defined enum value', () => {
    for (const reason of VERIFICATION_REASONS) expect(reasonToProto(reason)).toBeGreaterThan(0);
    expect(refusalToProto('TYPE_NOT_COVERED')).toBe(consentV1.ConsentRefusal.CONSENT_REFUSAL_TYPE_NOT_COVERED);
  });

  it('encode a revocation that decodes to the same facts, typed and keyed', () => {
    const { event } = revoke(
      foodLicence(enterprise()),
      { actor: MARKET, kind: 'revoked', reason: 'r', legalBasis: 'b' },
      NOW,
    );
    const out = eventBodyOf(event);
    expect(out).toMatchObject({
      type: 'certificate.revoked',
      subject: ENTERPRISE_CODE,
      dataschema: 'proto:onceonly.certificate.v1.CertificateRevoked',
    });
    const decoded = ev.CertificateRevoked.decode(out.codec.encode(out.body).finish());
    expect(decoded).toMatchObject({
      kind: cv.RevocationKind.REVOCATION_KIND_REVOKED,
      legalBasis: 'b',
      certificate: {
        certificateId: event.facts.certificateId,
        status: cv.LicenceStatus.LICENCE_STATUS_REVOKED,
        operation: cv.LicenceOperation.LICENCE_OPERATION_OTHER,
        holder: { codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC, holderCode: ENTERPRISE_CODE, holderKey: '' },
      },
    });
  });

  it('fill the seal kid of an issue and key a person by the keyed hash', () => {
    const holder = person();
    const licence = foodLicence(holder);
    const issued = {
      type: 'certificate.issued' as const,
      facts: { ...revoke(licence, { actor: MARKET, kind: 'revoked', reason: 'r', legalBasis: 'b' }, NOW).event.facts },
      name: licence.name,
      issueDate: licence.issueDate,
      validFrom: licence.validFrom,
      division: licence.division,
      componentCertificateIds: [],
    };
    const out = eventBodyOf(issued, 'kid-1');
    expect(out.subject).toBe(`h:${holder.key}`);
    expect(out.body).toMatchObject({ sealKid: 'kid-1', validTo: '', certificate: { holder: { holderCode: '' } } });
    expect(holderFacts(holder).holderKey).toBe(holder.key);
  });
});
