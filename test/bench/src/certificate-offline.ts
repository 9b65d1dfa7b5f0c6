import { execFile } from 'node:child_process';
import { verify as cryptoVerify, webcrypto, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { parseCompactJws, parseTrustBundle, verifySealedJws } from '@onceonly/seal';

const run = promisify(execFile);

/** Operations per second of one thread: one operation at a time, for a fixed duration. */
export interface RateResult {
  name: string;
  operations: number;
  seconds: number;
  perSecond: number;
  /** Process CPU time (user + system, every thread) over the run: per CPU-second is per core. */
  cpuSeconds: number;
  perCpuSecond: number;
  note: string;
}

/** Operations, wall seconds and CPU seconds of one timed stretch. */
interface Stretch {
  operations: number;
  seconds: number;
  cpuSeconds: number;
}

/**
 * Runs `op` one at a time (awaiting it when it returns a promise) for `durationMs` and counts. One operation in
 * flight: one core at a time, even when the operation hops to a libuv thread (WebCrypto).
 */
async function stretch(durationMs: number, op: () => unknown): Promise<Stretch> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const until = t0 + durationMs;
  let operations = 0;
  let now = t0;
  while (now < until) {
    for (let i = 0; i < 16; i++) await op();
    operations += 16;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { operations, seconds: (now - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

interface Variant {
  name: string;
  op: () => unknown;
  note: string;
}

/**
 * Each variant warmed up, then `rounds` rounds of `durationMs / rounds` of every variant in turn (so that what
 * else the machine does weighs on all alike), summed per variant.
 */
async function rates(variants: readonly Variant[], durationMs: number, rounds: number): Promise<RateResult[]> {
  for (const v of variants) await stretch(Math.min(300, durationMs / 5), v.op);
  const sums = variants.map(() => ({ operations: 0, seconds: 0, cpuSeconds: 0 }));
  for (let round = 1; round <= rounds; round++) {
    process.stderr.write(
      `offline verification, round ${round}/${rounds}: ${variants.length} × ${(durationMs / rounds / 1000).toFixed(1)} s\n`,
    );
    for (const [i, v] of variants.entries()) {
      const found = await stretch(durationMs / rounds, v.op);
      const sum = sums[i]!;
      sum.operations += found.operations;
      sum.seconds += found.seconds;
      sum.cpuSeconds += found.cpuSeconds;
    }
  }
  return variants.map((v, i) => {
    const sum = sums[i]!;
    return {
      name: v.name,
      ...sum,
      perSecond: sum.operations / sum.seconds,
      perCpuSecond: sum.operations / sum.cpuSeconds,
      note: v.note,
    };
  });
}

/**
 * `openssl speed -seconds N [-elapsed] ecdsap256`: OpenSSL's own P-256 sign and verify rates on one core, per
 * second of wall time with `-elapsed`, per second of its CPU time without (robust to a shared machine).
 */
export interface OpensslSpeed {
  elapsed: boolean;
  version: string;
  signPerSecond: number;
  verifyPerSecond: number;
  line: string;
}

export async function opensslSpeed(seconds: number, elapsed: boolean): Promise<OpensslSpeed> {
  try {
    const version = (await run('openssl', ['version'])).stdout.trim();
    const args = ['speed', '-seconds', String(seconds), ...(elapsed ? ['-elapsed'] : []), 'ecdsap256'];
    const { stdout } = await run('openssl', args, { maxBuffer: 1024 * 1024 });
    // " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  51413.0  16204.0"  (sign s, verify s, sign/s, verify/s)
    const line = stdout.split('\n').find((l) => /256 bits ecdsa \(nistp256\)/.test(l)) ?? '';
    const m = /\(nistp256\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/.exec(line);
    return {
      elapsed,
      version,
      signPerSecond: Number(m?.[1] ?? Number.NaN),
      verifyPerSecond: Number(m?.[2] ?? Number.NaN),
      line: line.trim(),
    };
  } catch (err) {
    process.stderr.write(`openssl speed failed (${(err as Error).message}): its ratios read n/a\n`);
    return { elapsed, version: 'unavailable', signPerSecond: Number.NaN, verifyPerSecond: Number.NaN, line: '' };
  }
}

/** What is verified: one issued certificate as a JWS (with x5c) and as QR text, and the hub's trust bundle. */
export interface OfflineInput {
  jws: string;
  qr: string;
  trustBundlePem: string;
}

/**
 * Offline verification rates on one thread: `verifySealedJws` of the JWS (x5c) and of the QR text (kid resolved in
 * the bundle) against the trust bundle parsed once, the same with the bundle PEM parsed on every call (a one-shot
 * verifier), and the bare ES256 signature check of the same signing input with node:crypto and with WebCrypto;
 * `durationMs` each, in `rounds` interleaved rounds.
 */
export async function offlineRates(input: OfflineInput, durationMs: number, rounds: number): Promise<RateResult[]> {
  const bundle = parseTrustBundle(input.trustBundlePem);
  const check = (name: string) => async (subject: string, trustBundle: typeof bundle | string) => {
    const result = await verifySealedJws(subject, { trustBundle });
    if (!result.valid) throw new Error(`${name}: not valid (${result.reasons.join(', ')})`);
  };
  const parsed = parseCompactJws(input.jws);
  const [header, payload] = parsed.parts;
  const signingInput = Buffer.from(`${header}.${payload}`);
  const signature = parsed.signature;
  const x5c0 = (parsed.header.x5c as string[] | undefined)?.[0];
  if (x5c0 === undefined) throw new Error('the issued JWS carries no x5c');
  const publicKey = new X509Certificate(Buffer.from(x5c0, 'base64')).publicKey;
  const cryptoKey = await webcrypto.subtle.importKey(
    'spki',
    publicKey.export({ type: 'spki', format: 'der' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  const bareSync = () => {
    if (!cryptoVerify('sha256', signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)) {
      throw new Error('node:crypto verify: signature does not verify');
    }
  };
  const bareSubtle = async () => {
    if (!(await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, cryptoKey, signature, signingInput))) {
      throw new Error('WebCrypto verify: signature does not verify');
    }
  };
  const jws = check('JWS');
  const qr = check('QR');
  const jwsPem = check('JWS (PEM)');
  return rates(
    [
      {
        name: 'bare node:crypto verify, ES256',
        op: bareSync,
        note: 'the JWS signing input and signature, key from x5c; synchronous, nothing else checked',
      },
      {
        name: 'bare WebCrypto subtle.verify, ES256',
        op: bareSubtle,
        note: 'the same; what jose calls (runs on a libuv thread), one in flight; verifySealedJws no longer uses it',
      },
      {
        name: 'verifySealedJws, JWS with x5c',
        op: () => jws(input.jws, bundle),
        note: `${input.jws.length} chars; parse, kid, signature (node:crypto, cached key), chain to the root (cached per bundle), key usage, seal validity`,
      },
      {
        name: 'verifySealedJws, QR text',
        op: () => qr(input.qr, bundle),
        note: `${input.qr.length} chars; base45 + inflate, then the same, the seal found by kid in the bundle`,
      },
      {
        name: 'verifySealedJws, JWS, bundle PEM parsed per call',
        op: () => jwsPem(input.jws, input.trustBundlePem),
        note: 'a one-shot verifier: the bundle parsed and the chain checked on every call',
      },
    ],
    durationMs,
    rounds,
  );
}
