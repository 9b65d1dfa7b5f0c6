import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { certificateModule, PUTUO_MARKET_REGULATION, TYPE_CODES } from '@onceonly/certificate';
import { certificateV1 as cv, HolderCodeType, HubServiceClient, HubServiceService, sealV1 } from '@onceonly/contracts';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { computeUsccCheck } from '@onceonly/ids';
import { createLogger, DEV_CALLER_HEADER, DEV_ROLE_HEADER, type Logger, unary } from '@onceonly/kit';
import { hostModules } from '@onceonly/kit/testing';
import type { Database } from '@onceonly/store';

/**
 * The certificate service hosted in this process as the hub hosts it: `certificateModule.start` (the real seals:
 * a hub CA generated into a temporary data folder and the demo departments seeded with their seals, as on the first
 * embedded start) on the kit's gRPC server (interceptors, development identity, request log at info), over the
 * given PostgreSQL database and the run's Kafka broker. The server also answers HubService.WhoAmI through the kit,
 * as the hub does, to separate the kit's cost per call from the certificate service's.
 */

/** The face of a food business licence (食品经营许可证), as a market regulation department sends it. */
export const FOOD_FIELDS: Readonly<Record<string, string>> = {
  legal_representative: '王芳',
  premises: '上海市普陀区长寿路100号1层',
  main_format: '餐饮服务经营者',
  business_items: '热食类食品制售；冷食类食品制售；自制饮品制售',
};

/** The issuing department (Putuo market regulation), which also verifies. */
export const ISSUER_CODE = PUTUO_MARKET_REGULATION.code;

/** The certificate service's topic, where `certificate.issued` is read back. */
export const CERTIFICATE_TOPIC_NAME = 'onceonly.certificate.v1';

const CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A valid unified social credit code (Putuo), unique per `run` and `n`: one holder per issued licence. */
export function creditCode(run: string, n: number): string {
  let body = '';
  let rest = n;
  for (let i = 0; i < 5; i++) {
    body = CODE_ALPHABET[rest % CODE_ALPHABET.length] + body;
    rest = Math.floor(rest / CODE_ALPHABET.length);
  }
  // the run id is hex: digits and A-F are in the code alphabet
  const first17 = `91310107${run.toUpperCase().slice(0, 4).padEnd(4, '0')}${body}`;
  return first17 + computeUsccCheck(first17);
}

/**
 * The hub's logger at info for a hosted service: the request log is written (formatted, redacted) as in
 * production, then dropped; lines at error level or above are kept to report.
 */
export function benchLogger(): { log: Logger; errors: string[] } {
  const errors: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString();
      if (/"level":(50|60)/.test(line)) errors.push(line.trim());
      done();
    },
  });
  return { log: createLogger({ level: 'info', service: 'hub', destination: sink }), errors };
}

type Unary = (req: object, md: Metadata, opts: object, cb: (err: ServiceError | null, res: unknown) => void) => void;

/** One unary call of a generated grpc-js client, by method name, with a 60 s deadline. */
export function rpc<Res>(client: Client, method: string, request: object, md: Metadata): Promise<Res> {
  return new Promise((resolve, reject) => {
    (client as unknown as Record<string, Unary>)[method]!.call(
      client,
      request,
      md,
      { deadline: Date.now() + 60_000 },
      (err, res) => (err ? reject(err) : resolve(res as Res)),
    );
  });
}

/** IssueCertificate of a food business licence to the holder with `holderCode` (the bench's one kind of issue). */
export function foodLicenceRequest(holderCode: string, idempotencyKey: string): cv.IssueCertificateRequest {
  return cv.IssueCertificateRequest.fromPartial({
    idempotencyKey,
    typeCode: TYPE_CODES.FOOD_BUSINESS,
    holder: {
      code: holderCode,
      codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC,
      name: '上海普陀小笼包餐饮有限公司',
    },
    fields: { ...FOOD_FIELDS },
  });
}

/** Development-identity metadata of the issuing department (Putuo market regulation). */
export function issuerMetadata(): Metadata {
  const metadata = new Metadata();
  metadata.set(DEV_CALLER_HEADER, ISSUER_CODE);
  metadata.set(DEV_ROLE_HEADER, 'department');
  return metadata;
}

/** The service hosted in-process and grpc-js clients of it (one channel each). */
export interface CertificateHost {
  address: string;
  /** Base URL of the same server's HTTP/JSON face (ADR 032). */
  httpUrl: string;
  /** Request headers of the issuing department over HTTP (development identity). */
  httpHeaders: Record<string, string>;
  /** Metadata of the issuing department (development identity). */
  metadata: Metadata;
  /** IssueCertificate of a food business licence to the holder with `holderCode`. */
  issue(holderCode: string, idempotencyKey: string): Promise<cv.IssueCertificateResponse>;
  verify(request: cv.VerifyCertificateRequest): Promise<cv.VerifyCertificateResponse>;
  whoAmI(): Promise<unknown>;
  trustBundlePem(): Promise<string>;
  /** Lines the service logged at error level or above (none expected). */
  errors(): string[];
  stop(): Promise<void>;
}

export async function startCertificateHost(options: { db: Database; brokers: string[] }): Promise<CertificateHost> {
  const dataDir = await mkdtemp(join(tmpdir(), 'onceonly-bench-cert-'));
  const { log, errors } = benchLogger();
  const transport: EventTransport = await createKafkaTransport({
    brokers: options.brokers,
    clientId: 'bench-certificate',
    log,
  });
  const host = await hostModules({
    db: options.db,
    transport,
    log,
    graceMs: 5_000,
    mode: 'embedded',
    dataDir,
    env: { ONCEONLY_EXPIRY_SWEEP_MS: '0' },
    modules: [certificateModule],
    deferServer: true,
    http: true,
  });
  const { server } = host.context;
  server.addService(HubServiceService, {
    getInfo: unary(async () => ({
      version: 'bench',
      mode: 'embedded',
      storage: 'postgres',
      eventTransport: 'kafka',
      startedAt: new Date().toISOString(),
      services: [],
    })),
    whoAmI: unary(async (_request, { caller }) => ({
      departmentCode: caller.departmentCode,
      departmentName: caller.departmentName,
      role: caller.role,
      authenticatedBy: caller.authenticatedBy,
    })),
  });
  const address = await host.listen();

  const certificates = new cv.CertificateServiceClient(address, credentials.createInsecure());
  const hub = new HubServiceClient(address, credentials.createInsecure());
  const seals = new sealV1.SealServiceClient(address, credentials.createInsecure());
  const metadata = issuerMetadata();

  return {
    address,
    httpUrl: `http://${host.httpAddress}`,
    httpHeaders: {
      'content-type': 'application/json',
      [DEV_CALLER_HEADER]: ISSUER_CODE,
      [DEV_ROLE_HEADER]: 'department',
    },
    metadata,
    issue: (holderCode, idempotencyKey) =>
      rpc(certificates, 'issueCertificate', foodLicenceRequest(holderCode, idempotencyKey), metadata),
    verify: (request) => rpc(certificates, 'verifyCertificate', request, metadata),
    whoAmI: () => rpc(hub, 'whoAmI', {}, metadata),
    trustBundlePem: async () =>
      (await rpc<sealV1.GetTrustBundleResponse>(seals, 'getTrustBundle', {}, metadata)).bundlePem,
    errors: () => errors,
    async stop() {
      for (const client of [certificates, hub, seals]) client.close();
      await host.stop('bench over');
      await transport.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
