/**
 * Test certificates for mutual TLS: a CA, a server certificate for 127.0.0.1/localhost, client certificates whose
 * subject names a department. Keys come from node:crypto (fast), certificates are built and signed with node-forge.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** PEM certificate and key, as grpc-js takes them. */
export interface Pem {
  cert: Buffer;
  key: Buffer;
}

/** A certificate authority that can issue certificates. */
export interface TestCa extends Pem {
  readonly forgeCert: forge.pki.Certificate;
  readonly forgeKey: forge.pki.rsa.PrivateKey;
}

/** Subject of a client certificate: CN = department code, O = department name, OU = role. */
export interface ClientSubject {
  code: string;
  name: string;
  role: string;
}

const HOUR_MS = 3_600_000;

function keyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; pem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    pem: privateKey,
  };
}

function utf8(shortName: string, value: string): forge.pki.CertificateField {
  // UTF8String, so that Chinese department names survive (forge encodes the JavaScript string itself)
  const valueTagClass = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;
  return { shortName, value, valueTagClass };
}

function baseCertificate(publicKey: forge.pki.rsa.PublicKey, subject: forge.pki.CertificateField[]) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - HOUR_MS);
  cert.validity.notAfter = new Date(Date.now() + 24 * HOUR_MS);
  cert.setSubject(subject);
  return cert;
}

function pem(cert: forge.pki.Certificate, keyPem: string): Pem {
  return { cert: Buffer.from(forge.pki.certificateToPem(cert)), key: Buffer.from(keyPem) };
}

/** A self-signed CA. */
export function makeCa(name: string): TestCa {
  const keys = keyPair();
  const cert = baseCertificate(keys.publicKey, [utf8('CN', name), utf8('O', 'OnceOnly test')]);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { ...pem(cert, keys.pem), forgeCert: cert, forgeKey: keys.privateKey };
}

function issue(ca: TestCa, subject: forge.pki.CertificateField[], extensions: object[]): Pem {
  const keys = keyPair();
  const cert = baseCertificate(keys.publicKey, subject);
  cert.setIssuer(ca.forgeCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.forgeCert.generateSubjectKeyIdentifier().getBytes() },
    ...extensions,
  ]);
  cert.sign(ca.forgeKey, forge.md.sha256.create());
  return pem(cert, keys.pem);
}

/** A server certificate valid for 127.0.0.1, ::1 and localhost. */
export function issueServer(ca: TestCa): Pem {
  return issue(
    ca,
    [utf8('CN', 'localhost')],
    [
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  );
}

/** A client certificate naming a department. */
export function issueClient(ca: TestCa, subject: ClientSubject): Pem {
  return issue(
    ca,
    [utf8('CN', subject.code), utf8('O', subject.name), utf8('OU', subject.role)],
    [{ name: 'extKeyUsage', clientAuth: true }],
  );
}
