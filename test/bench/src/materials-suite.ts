import { createHash } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { certificateV1 as cv, HolderCodeType } from '@onceonly/contracts';
import { createKafkaTransport } from '@onceonly/events';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER } from '@onceonly/kit';
import { hostModules } from '@onceonly/kit/testing';
import { CERTIFICATE_TYPES, type LicensingItem, materialsModule } from '@onceonly/materials';
import { materialsClient } from '@onceonly/materials/client';
import type { Database } from '@onceonly/store';
import { benchLogger, creditCode, ISSUER_CODE, startCertificateHost } from './certificate-host.js';
import { type LoadResult, measureInterleaved } from './certificate-load.js';
import { countingDatabase, kindsSince } from './counting-database.js';
import { fmt, type Ratio, type Suite } from './suite.js';

const CONCURRENCY = 8;
const ROUNDS = 3;

/**
 * An item of 8 materials, stored beside the seeded ones for the bench (a row of `materials.items`, as a new item
 * version is): the signed form (no source), two certificate sources (the food business licence each holder holds,
 * the business licence none holds), five library sources (two of them stored for each holder). Per resolution: one
 * ListHolderCertificates and one VerifyCertificate to the certificate service, one read of the holder's library.
 */
const EIGHT: LicensingItem = {
  code: 'bench-eight-materials',
  version: 1,
  nameZh: '基准测试事项（8项材料）',
  nameEn: 'Bench item (8 materials)',
  legalBasis: 'bench',
  materials: [
    { code: 'application-form', nameZh: '申请书', nameEn: 'Application form', sources: [] },
    ...(
      [
        ['business-licence', CERTIFICATE_TYPES.BUSINESS_LICENCE],
        ['food-business-licence', CERTIFICATE_TYPES.FOOD_BUSINESS],
      ] as const
    ).map(([code, typeCode]) => ({
      code,
      nameZh: code,
      nameEn: code,
      sources: [{ kind: 'certificate' as const, typeCode }],
    })),
    ...['floor-plan', 'premises-proof', 'layout-and-process', 'food-safety-rules', 'hygiene-rules'].map((t) => ({
      code: t,
      nameZh: t,
      nameEn: t,
      sources: [{ kind: 'library' as const, materialType: t }],
    })),
  ],
};

interface MaterialsCosts {
  holders: number;
  calls: number;
  results: LoadResult[];
  statementsPerResolution: number;
  kinds: [string, number][];
  exemptPerResolution: number;
}

const metadata = (code: string, role: string) => () => {
  const m = new Metadata();
  m.set(DEV_CALLER_HEADER, code);
  m.set(DEV_ROLE_HEADER, role);
  return m;
};

async function measureMaterials(db: Database, brokers: string[], holders: number, calls: number) {
  const certificates = await startCertificateHost({ db, brokers });
  const { log } = benchLogger();
  const transport = await createKafkaTransport({ brokers, clientId: 'bench-materials', log });
  const counting = countingDatabase(db);
  const host = await hostModules({
    db: counting,
    transport,
    log,
    graceMs: 5_000,
    env: {
      ONCEONLY_HOLDER_HASH_KEY: 'bench-materials-holder-hash-key-0123',
      ONCEONLY_MATERIALS_KEY: Buffer.alloc(32, 1).toString('base64'),
      ONCEONLY_MATERIALS_CERTIFICATE_ADDR: certificates.address,
      ONCEONLY_MATERIALS_CREDIT_ADDR: '127.0.0.1:1',
    },
    modules: [materialsModule],
  });
  const client = materialsClient(host.address, { metadata: metadata(ISSUER_CODE, 'department') });
  try {
    await db.query(
      `INSERT INTO materials.items (code, version, definition, created_at) VALUES ($1, 1, $2::jsonb, now())`,
      [EIGHT.code, JSON.stringify(EIGHT)],
    );
    const run = Math.random().toString(16).slice(2, 6);
    const codes = Array.from({ length: holders }, (_, i) => creditCode(run, i));
    const licenceIds: string[] = [];
    for (const [i, code] of codes.entries()) {
      licenceIds.push((await certificates.issue(code, `bench-materials-${run}-${i}`)).certificate!.id);
      for (const type of ['floor-plan', 'premises-proof']) {
        const content = Buffer.from(`%PDF bench ${type} ${code}`);
        await client.uploadMaterial({
          owner: { code, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC },
          materialType: type,
          name: type,
          content,
          sha256: createHash('sha256').update(content).digest('hex'),
          mediaType: 'application/pdf',
        });
      }
    }
    let exempt = 0;
    let resolutions = 0;
    const drained = async () => {
      for (let i = 0; i < 200; i++) {
        const { rows } = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM materials.outbox WHERE published_at IS NULL',
        );
        if (rows[0]!.n === 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await drained();
    const n0 = counting.statements();
    const k0 = counting.statementsByKind();
    const results = await measureInterleaved(
      [
        {
          name: 'ResolveMaterials (8 materials)',
          label: 'materials: ResolveMaterials',
          note: 'one ListHolderCertificates + one VerifyCertificate to the certificate service, the library read, one transaction',
          call: async (i) => {
            const out = await client.resolveMaterials({
              applicant: { code: codes[i % holders]!, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC },
              itemCode: EIGHT.code,
              applicationId: `BENCH-${i}`,
            });
            exempt += out.resolution!.exemptCount;
            resolutions++;
          },
        },
        {
          name: 'VerifyCertificate by id (baseline)',
          label: 'materials: VerifyCertificate',
          note: 'the certificate verification path alone, on the same certificate service',
          call: (i) =>
            certificates.verify(
              cv.VerifyCertificateRequest.fromPartial({ subject: { $case: 'id', value: licenceIds[i % holders]! } }),
            ),
        },
      ],
      { calls, warmup: 50, concurrency: CONCURRENCY, rounds: ROUNDS },
    );
    await drained();
    const costs: MaterialsCosts = {
      holders,
      calls,
      results,
      statementsPerResolution: (counting.statements() - n0) / resolutions,
      kinds: kindsSince(k0, counting.statementsByKind()).map(([k, n]) => [k, n / resolutions]),
      exemptPerResolution: exempt / resolutions,
    };
    return costs;
  } finally {
    client.close();
    await host.stop('bench over');
    await transport.close();
    await certificates.stop();
  }
}

function markdown(c: MaterialsCosts): string {
  const [resolve, verify] = c.results as [LoadResult, LoadResult];
  const row = (r: LoadResult, ratio: string) =>
    `| ${r.name} | ${r.calls} | ${fmt(r.callsPerSecond, 0)} | ${fmt(r.latencyMs.p50, 1)} / ${fmt(r.latencyMs.p99, 1)} | ${fmt(r.cpuMsPerCall, 2)} | ${ratio} |`;
  return [
    `### Resolutions of an item with 8 materials (${c.holders} applicants)`,
    '',
    `The materials and certificate services hosted apart in this process (gRPC between them, as at scale), on PostgreSQL and the run's broker; each applicant holds a food business licence and stored 2 library materials, so each resolution makes ${fmt(c.exemptPerResolution, 1)} of 8 exempt. ${c.calls} calls of each at concurrency ${CONCURRENCY}, in ${ROUNDS} interleaved rounds after a warm-up of 50.`,
    '',
    '| what | calls | calls/s | p50 / p99 ms | CPU ms/call | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row(verify, '1'),
    row(resolve, `${fmt(resolve.callsPerSecond / verify.callsPerSecond, 3)} of VerifyCertificate's calls/s`),
    '',
    `Statements per resolution on the materials service's pool (relay included): ${fmt(c.statementsPerResolution, 2)} — ${c.kinds.map(([k, n]) => `${k} ${fmt(n, 2)}`).join(', ')}.`,
  ].join('\n');
}

/** Issue 14's bench row: resolutions per second of an item with 8 materials beside VerifyCertificate. */
export const materialsSuite: Suite = {
  name: 'materials',
  title: 'Materials: resolutions',
  async run({ brokers, withFreshDatabase, scale }) {
    const holders = Math.max(16, Math.round(64 * scale));
    const calls = Math.max(150, Math.round(900 * scale));
    const costs = await withFreshDatabase((db) => measureMaterials(db, brokers, holders, calls));
    const [resolve, verify] = costs.results as [LoadResult, LoadResult];
    const ratios: Ratio[] = [
      {
        name: 'ResolveMaterials (8 materials) / VerifyCertificate, calls/s',
        value: resolve.callsPerSecond / verify.callsPerSecond,
        meaning:
          'what a resolution costs beside the one certificate verification it includes (two certificate RPCs, the library, one transaction)',
      },
    ];
    return { markdown: markdown(costs), json: costs, ratios };
  },
};
