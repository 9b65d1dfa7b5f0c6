import { AppError } from '@onceonly/errors';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

/** One PEM block: its label and the DER inside. */
export interface PemBlock {
  label: string;
  der: Buffer;
}

/** Wraps DER in a PEM block (64-character lines, trailing newline). */
export function derToPem(label: string, der: Uint8Array): string {
  const body = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

/** Every PEM block in `text`, in order. Text between blocks (comments, `subject=` lines) is ignored. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const label = match[1] ?? '';
    const body = match[2] ?? '';
    if (!BASE64_BODY.test(body)) throw new AppError('X509_INVALID', `PEM block ${label} is not base64`);
    blocks.push({ label, der: Buffer.from(body.replace(/\s+/g, ''), 'base64') });
  }
  return blocks;
}

/** The DER of every CERTIFICATE block in `text`. */
export function certificateDers(text: string): Buffer[] {
  return pemBlocks(text)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => b.der);
}

/** The DER of the single certificate in `pem`; X509_INVALID when there is none or more than one. */
export function singleCertificateDer(pem: string, what = 'certificate'): Buffer {
  const ders = certificateDers(pem);
  const der = ders[0];
  if (ders.length !== 1 || !der) {
    throw new AppError('X509_INVALID', `${what}: expected exactly one PEM CERTIFICATE block, found ${ders.length}`);
  }
  return der;
}
