import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// Interoperability tests check what the project makes with a tool it did not write: OpenSSL. These helpers are
// written out by hand on purpose, without the project's own ASN.1 or JOSE code.

const run = promisify(execFile);

/** Runs `openssl` in `cwd`; resolves with its exit code and output instead of throwing on a non-zero exit. */
export async function openssl(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('openssl', args, { cwd });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** DER INTEGER of an unsigned big-endian value (minimal, with a leading zero when the top bit is set). */
function derInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let value = bytes.subarray(i);
  if ((value[0] ?? 0) & 0x80) value = Buffer.concat([Buffer.from([0]), value]);
  return Buffer.concat([Buffer.from([0x02, value.length]), value]);
}

/** A JOSE ES256 signature (r‖s, 64 bytes) as the DER ECDSA-Sig-Value that `openssl dgst -verify` reads. */
export function joseToDer(signature: Buffer): Buffer {
  const body = Buffer.concat([derInteger(signature.subarray(0, 32)), derInteger(signature.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** A certificate PEM from the base64 DER of a JWS `x5c` entry. */
export function certificatePem(base64Der: string): string {
  return `-----BEGIN CERTIFICATE-----\n${base64Der.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}
