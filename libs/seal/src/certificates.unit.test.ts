import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CA_BORN, clock, makeCa, makeSeal, NOW, PUTUO_SAMR } from '../test/fixtures.js';
import { keyIdentifier } from './certificate-builder.js';
import { readCertificate } from './certificate-reader.js';
import {
  createRootCa,
  generateKeyPair,
  issueClientCertificate,
  issueSealCertificate,
  issueServerCertificate,
  OID,
  sealCertificateInfo,
} from './index.js';
import { certificateDers } from './pem.js';

const der = (pem: string) => certificateDers(pem)[0] as Buffer;
const validity = { notBefore: NOW, notAfter: new Date('2025-05-01T00:00:00Z') };

describe('createRootCa', () => {
  const ca = makeCa();
  const x509 = new X509Certificate(ca.certPem);
  const fields = readCertificate(der(ca.certPem));

  it('is a self-signed CA with keyCertSign and cRLSign', () => {
    expect(x509.ca).toBe(true);
    expect(x509.checkIssued(x509)).toBe(true);
    expect(x509.verify(ca.keyPair.publicKey)).toBe(true);
    expect(fields.isCa).toBe(true);
    expect([...(fields.keyUsage ?? [])].sort()).toEqual(['cRLSign', 'keyCertSign']);
  });

  it('has an ECDSA P-256 key and a subject key identifier of that key', () => {
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(fields.subjectKeyIdentifier).toEqual(keyIdentifier(ca.keyPair.publicKey));
  });

  it('is valid from the clock for the given years', () => {
    expect(fields.notBefore).toEqual(CA_BORN);
    expect(fields.notAfter).toEqual(new Date('2033-01-01T00:00:00Z'));
    expect(x509.subject).toContain('CN=OnceOnly Hub Root CA');
  });

  it('keeps a key pair it is given', () => {
    const keyPair = generateKeyPair();
    const given = createRootCa({ commonName: 'CA', organisation: 'O', validityYears: 1, clock, keyPair });
    expect(new X509Certificate(given.certPem).publicKey.equals(keyPair.publicKey)).toBe(true);
  });

  it('rejects a validity outside 1 to 30 years', () => {
    expect(() => createRootCa({ commonName: 'CA', organisation: 'O', validityYears: 0, clock })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('rejects an RSA key pair', () => {
    const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() => createRootCa({ commonName: 'CA', organisation: 'O', validityYears: 1, clock, keyPair })).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    );
  });
});

describe('issueSealCertificate', () => {
  const { ca, certPem, keyPair } = makeSeal();
  const x509 = new X509Certificate(certPem);
  const fields = readCertificate(der(certPem));

  it('is issued by the CA and signed with its key', () => {
    const caCert = new X509Certificate(ca.certPem);
    expect(x509.checkIssued(caCert)).toBe(true);
    expect(x509.verify(caCert.publicKey)).toBe(true);
    expect(x509.publicKey.equals(keyPair.publicKey)).toBe(true);
    expect(fields.authorityKeyIdentifier).toEqual(readCertificate(der(ca.certPem)).subjectKeyIdentifier);
  });

  it('names the seal, the department and its code in the subject', () => {
    expect(sealCertificateInfo(certPem)).toMatchObject({
      sealId: '3101070000001',
      sealName: '上海市普陀区市场监督管理局行政许可专用章',
      sealType: '行政许可专用章',
      departmentName: PUTUO_SAMR.name,
      departmentCode: PUTUO_SAMR.code,
      division: '310107',
      serialNumber: x509.serialNumber,
    });
    expect(fields.subject.map((a) => a.oid)).toEqual([
      OID.countryName,
      OID.localityName,
      OID.organizationName,
      OID.organizationalUnitName,
      OID.title,
      OID.commonName,
      OID.serialNumber,
    ]);
  });

  it('is for document signing only', () => {
    expect([...(fields.keyUsage ?? [])].sort()).toEqual(['digitalSignature', 'nonRepudiation']);
    expect(fields.extKeyUsage).toEqual([OID.documentSigning]);
    expect(fields.isCa).toBe(false);
  });

  it('has the validity it was given, to the second', () => {
    const seal = makeSeal({
      ca,
      validFrom: new Date('2024-02-03T04:05:06.789Z'),
      validTo: new Date('2026-02-03T04:05:06.789Z'),
    });
    expect(sealCertificateInfo(seal.certPem)).toMatchObject({
      validFrom: new Date('2024-02-03T04:05:06Z'),
      validTo: new Date('2026-02-03T04:05:06Z'),
    });
  });

  it('writes a validity from 2050 as GeneralizedTime', () => {
    const longCa = createRootCa({ commonName: 'CA', organisation: 'O', validityYears: 30, clock });
    const seal = makeSeal({ ca: longCa, validTo: new Date('2051-06-01T00:00:00Z') });
    expect(sealCertificateInfo(seal.certPem).validTo).toEqual(new Date('2051-06-01T00:00:00Z'));
  });

  it.each([
    ['a validity that ends before it starts', { validFrom: NOW, validTo: NOW }, 'validTo'],
    ['a validity beyond the CA', { validTo: new Date('2040-01-01T00:00:00Z') }, 'validTo'],
    ['a seal id outside PrintableString', { sealId: 'seal_01' }, 'sealId'],
  ])('rejects %s', (_, options, field) => {
    expect(() => makeSeal({ ca, ...options })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', fields: [expect.objectContaining({ field })] }),
    );
  });

  it('rejects a seal name longer than 64 characters', () => {
    const call = () =>
      issueSealCertificate({
        ca,
        sealId: '1',
        department: PUTUO_SAMR,
        sealName: '章'.repeat(65),
        sealType: '05',
        validFrom: NOW,
        validTo: validity.notAfter,
        publicKey: keyPair.publicKey,
      });
    expect(call).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('rejects a CA whose private key is not the certificate key', () => {
    const other = makeCa();
    expect(() => makeSeal({ ca: { certPem: ca.certPem, keyPair: other.keyPair } })).toThrow(
      expect.objectContaining({ code: 'KEY_INVALID' }),
    );
  });

  it('rejects a non-CA certificate as the CA', () => {
    expect(() => makeSeal({ ca: { certPem, keyPair } })).toThrow(expect.objectContaining({ code: 'X509_INVALID' }));
  });

  it('rejects a subject key that is not P-256', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(() => makeSeal({ ca, publicKey })).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
  });
});

describe('issueClientCertificate', () => {
  const ca = makeCa();
  const { publicKey } = generateKeyPair();
  const pem = issueClientCertificate({ ca, department: PUTUO_SAMR, role: 'department', publicKey, validity });
  const x509 = new X509Certificate(pem);

  it('names the department code (CN), name (O) and role (OU)', () => {
    expect(x509.subject.split('\n')).toEqual([
      'C=CN',
      `O=${PUTUO_SAMR.name}`,
      'OU=department',
      `CN=${PUTUO_SAMR.code}`,
    ]);
  });

  it('is for client authentication', () => {
    expect(x509.keyUsage).toEqual([OID.clientAuth]);
    expect(x509.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
  });

  it('rejects an unknown role', () => {
    const call = () =>
      issueClientCertificate({ ca, department: PUTUO_SAMR, role: 'admin' as 'department', publicKey, validity });
    expect(call).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('issueServerCertificate', () => {
  const ca = makeCa();
  const { publicKey } = generateKeyPair();
  const hosts = ['127.0.0.1', 'localhost', '::1'];
  const x509 = new X509Certificate(issueServerCertificate({ ca, hosts, publicKey, validity }));

  it('names every host in the subject alternative name', () => {
    expect(x509.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, IP Address:0:0:0:0:0:0:0:1');
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('is for server authentication', () => {
    expect(x509.keyUsage).toEqual([OID.serverAuth]);
  });

  it('rejects a host that is neither a DNS name nor an IP address', () => {
    const call = () => issueServerCertificate({ ca, hosts: ['bad host'], publicKey, validity });
    expect(call).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
