import { certificateEventsV1 as ce, certificateV1 as cv } from '@onceonly/contracts';
import { describe, expect, it } from 'vitest';
import type { ConsentDeps } from '../../app/consent-ports.js';
import { certificateChangeHandlers, changeFact } from './certificate-consumer.js';

const facts = ce.CertificateFacts.fromPartial({
  certificateId: 'c2',
  typeCode: 'T',
  number: 'JY131',
  status: cv.LicenceStatus.LICENCE_STATUS_SUSPENDED,
  occurredAt: '2026-03-04T02:00:00.000Z',
});

describe('the certificate events the materials service follows', () => {
  it('handles the changes of a certificate, not its issue, verification or checks', () => {
    expect(Object.keys(certificateChangeHandlers({} as ConsentDeps, () => undefined)).sort()).toEqual([
      'certificate.cancelled',
      'certificate.changed',
      'certificate.dispute-resolved',
      'certificate.expired',
      'certificate.reissued',
      'certificate.renewed',
      'certificate.resumed',
      'certificate.revoked',
      'certificate.suspended',
    ]);
  });

  it('reads the change facts: the certificate, its previous version, the status in words', () => {
    expect(changeFact('changed', { certificate: facts }, 'c1')).toEqual({
      change: 'changed',
      certificateId: 'c2',
      previousCertificateId: 'c1',
      typeCode: 'T',
      number: 'JY131',
      status: 'suspended',
      occurredAt: new Date('2026-03-04T02:00:00.000Z'),
    });
    expect(changeFact('revoked', { certificate: undefined })).toBeUndefined();
    expect(changeFact('revoked', { certificate: { ...facts, certificateId: '' } })).toBeUndefined();
  });
});
