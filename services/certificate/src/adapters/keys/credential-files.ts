import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CertificateAuthority,
  type ClientRole,
  type Clock,
  generateKeyPair,
  issueClientCertificate,
  issueServerCertificate,
} from '@onceonly/seal';
import type { CredentialWriter } from '../../app/seeding/ports.js';
import { writeAtomically } from './hub-ca.js';

/**
 * mTLS credentials for development, written under `<dataDir>/credentials/`:
 * `<department code>/{client.pem, client.key.pem, ca.pem}` and `server/{server.pem, server.key.pem, ca.pem}`.
 * Keys are clear PKCS#8 (gRPC and openssl read them as they are) and mode 0600, in folders of mode 0700.
 */

/** Validity of development credentials. */
const CREDENTIAL_YEARS = 2;
/** Hosts the development server certificate names. */
export const SERVER_HOSTS = ['127.0.0.1', 'localhost'] as const;

export function credentialFiles(dataDir: string, ca: CertificateAuthority, clock: Clock): CredentialWriter {
  const root = join(dataDir, 'credentials');
  const validity = () => {
    const notBefore = new Date(Math.floor(clock().getTime() / 1000) * 1000);
    const notAfter = new Date(notBefore);
    notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CREDENTIAL_YEARS);
    return { notBefore, notAfter };
  };
  return {
    async writeClient(department: { code: string; name: string; role: ClientRole }): Promise<string> {
      const dir = join(root, department.code);
      const keys = generateKeyPair();
      const cert = issueClientCertificate({
        ca,
        department: { code: department.code, name: department.name },
        role: department.role,
        publicKey: keys.publicKey,
        validity: validity(),
      });
      await writeSet(dir, { 'client.pem': cert, 'client.key.pem': clearKey(keys.privateKey), 'ca.pem': ca.certPem });
      return dir;
    },
    async writeServer(): Promise<string> {
      const dir = join(root, 'server');
      const keys = generateKeyPair();
      const cert = issueServerCertificate({
        ca,
        hosts: SERVER_HOSTS,
        publicKey: keys.publicKey,
        validity: validity(),
      });
      await writeSet(dir, { 'server.pem': cert, 'server.key.pem': clearKey(keys.privateKey), 'ca.pem': ca.certPem });
      return dir;
    },
  };
}

function clearKey(key: ReturnType<typeof generateKeyPair>['privateKey']): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

async function writeSet(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [name, content] of Object.entries(files)) {
    await writeAtomically(join(dir, name), content, name.endsWith('.key.pem') ? 0o600 : 0o644);
  }
}
