import { holderSubjectOf } from '@onceonly/certificate/client';
import { describe, expect, it } from 'vitest';
import { exportSubject } from './audit.js';

/** A citizen ID (Putuo, born 1990-03-07; check character 9). */
const CITIZEN_ID = '310107199003071239';
const USCC = '91310107MA1H2B3C44';
const KEY = 'a-holder-hash-key-of-32-characters!';
const CERTIFICATE_ID = '0b6f6c1e-8a3d-4c55-9a57-2f1f0c9d7e10';

describe('audit export --subject', () => {
  const noCertificate = async () => {
    throw new Error('not asked');
  };

  it('hashes a citizen ID here, the way the certificate service does, and never returns it in clear', async () => {
    const subject = await exportSubject(CITIZEN_ID, { hashKey: KEY, certificateSubject: noCertificate });
    expect(subject).toMatch(/^h:[0-9a-f]{64}$/);
    expect(subject).toBe(holderSubjectOf(CITIZEN_ID, KEY));
    expect(subject).not.toContain(CITIZEN_ID);
  });

  it('refuses a citizen ID without the holder hash key', async () => {
    await expect(exportSubject(CITIZEN_ID, { certificateSubject: noCertificate })).rejects.toMatchObject({
      code: 'CONFIG_MISSING',
    });
  });

  it('takes a credit code as the subject itself', async () => {
    expect(await exportSubject(USCC.toLowerCase(), { certificateSubject: noCertificate })).toBe(USCC);
  });

  it("asks for a certificate id's holder", async () => {
    const subject = await exportSubject(CERTIFICATE_ID, { certificateSubject: async (id) => `holder-of-${id}` });
    expect(subject).toBe(`holder-of-${CERTIFICATE_ID}`);
  });

  it('takes a UUID that names no certificate as an events subject (a hub instance)', async () => {
    expect(await exportSubject(CERTIFICATE_ID, { certificateSubject: async () => undefined })).toBe(CERTIFICATE_ID);
  });

  it('takes anything else as an events subject as it is', async () => {
    expect(await exportSubject('h:abc', { certificateSubject: noCertificate })).toBe('h:abc');
  });
});
