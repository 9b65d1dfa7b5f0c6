import { certificateV1 } from '@onceonly/contracts';
import type { Database } from '@onceonly/store';
import { creditCode, startCertificateHost } from './certificate-host.js';
import { ISSUE_CONCURRENCY, type IssueResult, measureIssues, outboxDrained } from './certificate-issue.js';
import {
  closedLoop,
  httpClient,
  type LoadResult,
  measureInterleaved,
  startBareEcho,
  startBareHttpEcho,
} from './certificate-load.js';
import { type OpensslSpeed, offlineRates, opensslSpeed, type RateResult } from './certificate-offline.js';
import { bareCertificateInserts } from './certificate-pg-baseline.js';
import { countingDatabase, kindsSince } from './counting-database.js';
import { profiled, profiling } from './cpu-profile.js';
import { fmt, type Ratio, type Suite } from './suite.js';

/** Concurrency of the VerifyCertificate measurement (issue 4) and of its baselines. */
const VERIFY_CONCURRENCY = 64;
const OPENSSL_SECONDS = 3;
/** Rounds of the interleaved measurements (gRPC calls, offline verification): each target in turn, every round. */
const ROUNDS = 3;

interface OnlineResult {
  issue: IssueResult;
  insertBaseline: LoadResult;
  grpc: { echo: LoadResult; whoAmI: LoadResult; verify: LoadResult; verifyDistinct: LoadResult };
  /** VerifyCertificate over HTTP/JSON (the Connect face, ADR 032) and a bare node:http echo, in the same rounds. */
  http: { echo: LoadResult; verify: LoadResult };
  /** SQL statements the service sent per VerifyCertificate call (see {@link measureOnline}). */
  verifyStatements: { statements: number; calls: number; perCall: number; byKind: [string, number][] };
  offlineInput: { jws: string; qr: string; trustBundlePem: string };
  serviceErrors: string[];
}

/**
 * Certificates (issue 4): offline verifications per second on one core beside `openssl speed ecdsap256`;
 * VerifyCertificate at concurrency 64 beside a bare grpc-js unary call; issues per second on PostgreSQL and Kafka
 * beside a bare PostgreSQL insert. The service is `certificateModule` hosted in this process on the kit's gRPC
 * server, as the hub hosts it, over a fresh PostgreSQL database and the run's Kafka broker.
 */
export const certificateSuite: Suite = {
  name: 'certificate',
  title: 'Certificates: offline verification, VerifyCertificate, IssueCertificate',
  async run({ brokers, run, withFreshDatabase, scale }) {
    const issues = Math.max(16, Math.round(500 * scale));
    const verifies = Math.max(VERIFY_CONCURRENCY, Math.round(3000 * scale));
    const grpcWarmup = Math.max(2 * VERIFY_CONCURRENCY, Math.round(500 * scale));
    // 200 issues at scale 1 before the measurement (40 before issue 11's third pass): with fewer, V8 was still
    // optimising the issue path's code during the measured issues, on its compiler threads, and that CPU counted
    const issueWarmup = Math.max(ISSUE_CONCURRENCY, Math.round(200 * scale));
    const offlineMs = Math.max(500, Math.round(3000 * scale));

    const online = await withFreshDatabase((db) =>
      measureOnline({ db, brokers, run, issues, issueWarmup, verifies, grpcWarmup }),
    );
    // Offline, with the service stopped and the database dropped: nothing else runs in this process.
    const rates = await offlineRates(online.offlineInput, offlineMs, ROUNDS);
    process.stderr.write(`openssl speed -seconds ${OPENSSL_SECONDS} [-elapsed] ecdsap256...\n`);
    const openssl = await opensslSpeed(OPENSSL_SECONDS, true);
    const opensslCpu = await opensslSpeed(OPENSSL_SECONDS, false);
    return report({ online, rates, openssl, opensslCpu });
  },
};

async function measureOnline(options: {
  db: Database;
  brokers: string[];
  run: string;
  issues: number;
  issueWarmup: number;
  verifies: number;
  grpcWarmup: number;
}): Promise<OnlineResult> {
  const { db, run } = options;
  process.stderr.write('starting the certificate service (PostgreSQL, Kafka, seeded seals)...\n');
  // every statement of the service (handlers, relay, seals) goes through the counter
  const counted = countingDatabase(db);
  const host = await startCertificateHost({ db: counted, brokers: options.brokers });
  const echo = await startBareEcho();
  const httpEcho = await startBareHttpEcho(VERIFY_CONCURRENCY);
  const http = httpClient(VERIFY_CONCURRENCY);
  try {
    const { issue, issued } = await measureIssues({
      host,
      db,
      counted,
      brokers: options.brokers,
      run,
      issues: options.issues,
      warmup: options.issueWarmup,
    });

    const insertBaseline = await bareCertificateInserts(db, {
      rows: options.issues,
      warmup: options.issueWarmup,
      concurrency: ISSUE_CONCURRENCY,
    });

    // VerifyCertificate by QR text (what an inspector's scanner sends), round robin over the issued certificates.
    const byQr = (c: certificateV1.Certificate) =>
      certificateV1.VerifyCertificateRequest.fromPartial({ subject: { $case: 'qrPayload', value: c.qrPayload } });
    const requests = issued.map(byQr);
    // The same with a licence never verified before on every call (warm-up included): no remembered signature can
    // answer (ADR 017), so this row shows verification without that cache.
    process.stderr.write(
      `issuing ${options.verifies + options.grpcWarmup} more licences for distinct verifications...\n`,
    );
    const distinct: certificateV1.VerifyCertificateRequest[] = [];
    await closedLoop({
      label: 'licences for distinct verifications',
      calls: options.verifies + options.grpcWarmup,
      concurrency: VERIFY_CONCURRENCY,
      call: async (i) => {
        const response = await host.issue(creditCode(run, 2_000_000 + i), `bench-${run}-distinct-${i}`);
        if (response.certificate === undefined) throw new Error('IssueCertificate: no certificate');
        distinct[i] = byQr(response.certificate);
      },
      quiet: true,
    });
    const encoded = requests.map((r) => Buffer.from(certificateV1.VerifyCertificateRequest.encode(r).finish()));
    const requestBytes = encoded[0]!.length;
    // The same requests as JSON over HTTP (the proto3 JSON mapping: the oneof's field by its JSON name)
    const jsonBodies = issued.map((c) => Buffer.from(JSON.stringify({ qrPayload: c.qrPayload })));
    const verifyUrl = `${host.httpUrl}/onceonly.certificate.v1.CertificateService/VerifyCertificate`;
    // Statements per VerifyCertificate: everything the service sent during the interleaved measurement (warm-up
    // included, the relay publishing the events and its idle polls during the baselines' rounds included) over the
    // VerifyCertificate calls made in it. The relay is drained first, so that the issues' events are not counted.
    await outboxDrained(db, 'certificate');
    const statements0 = counted.statements();
    const verifyKinds0 = counted.statementsByKind();
    const [echoResult, whoAmI, verify, verifyDistinct, httpEchoResult, verifyHttp] = (await measureInterleaved(
      [
        {
          name: 'bare grpc-js unary echo',
          label: 'bare grpc-js echo',
          call: (i) => echo.call(encoded[i % encoded.length]!, host.metadata),
          note: `grpc-js Server and Client alone, raw bytes: the VerifyCertificate request (${requestBytes} bytes) and metadata echoed`,
        },
        {
          name: 'HubService.WhoAmI on the kit server',
          label: 'kit WhoAmI',
          call: () => host.whoAmI(),
          note: 'the same server as the service: interceptors, development identity, request log; no handler work',
        },
        {
          name: 'VerifyCertificate (QR text)',
          label: 'VerifyCertificate',
          call: async (i) => {
            const response = await host.verify(requests[i % requests.length]!);
            if (!response.valid) throw new Error(`VerifyCertificate: not valid (${response.reasons.join(', ')})`);
          },
          note: `${issued.length} certificates in turn (each verified again and again: its signature remembered after the first check, ADR 017): seal (chain, revocation; seal state cached), record read (batched), live status, certificate.verified committed before the answer (group commit), relay to Kafka`,
        },
        {
          name: 'VerifyCertificate (QR text), a licence not verified before on every call',
          label: 'VerifyCertificate, distinct',
          call: async (i) => {
            const response = await host.verify(distinct[i]!);
            if (!response.valid) throw new Error(`VerifyCertificate: not valid (${response.reasons.join(', ')})`);
          },
          note: 'the same, each call a licence verified for the first time: every signature checked (no cache hit)',
        },
        {
          name: 'bare node:http echo',
          label: 'bare HTTP echo',
          call: (i) => httpEcho.call(jsonBodies[i % jsonBodies.length]!, host.httpHeaders),
          note: `node:http server and a keep-alive client pool of ${VERIFY_CONCURRENCY} sockets alone: the VerifyCertificate JSON body (${jsonBodies[0]!.length} bytes) and headers echoed`,
        },
        {
          name: 'VerifyCertificate (QR text) over HTTP/JSON',
          label: 'VerifyCertificate, HTTP/JSON',
          call: async (i) => {
            const answer = await http.post(verifyUrl, jsonBodies[i % jsonBodies.length]!, host.httpHeaders);
            if (answer.status !== 200) throw new Error(`VerifyCertificate over HTTP: ${answer.status} ${answer.body}`);
            if (!(JSON.parse(answer.body.toString('utf8')) as { valid?: boolean }).valid) {
              throw new Error('VerifyCertificate over HTTP: not valid');
            }
          },
          note: 'the same call as the gRPC row on the same server, as Connect unary JSON (POST, application/json) over a keep-alive pool of 64 sockets: JSON → message → the same checked decoder and wrapped handler → JSON',
        },
      ],
      { calls: options.verifies, warmup: options.grpcWarmup, concurrency: VERIFY_CONCURRENCY, rounds: ROUNDS },
    )) as [LoadResult, LoadResult, LoadResult, LoadResult, LoadResult, LoadResult];
    await outboxDrained(db, 'certificate');
    // the three VerifyCertificate rows (gRPC, gRPC distinct, HTTP/JSON), warm-ups included
    const verifyCalls = 3 * (options.verifies + options.grpcWarmup);
    const statements = counted.statements() - statements0;
    const verifyKinds = kindsSince(verifyKinds0, counted.statementsByKind());
    if (profiling()) {
      // a profile of VerifyCertificate alone, after (and outside) the measurement: the interleaved rounds mix it with
      // the baselines
      await profiled('verify', () =>
        closedLoop({
          label: 'VerifyCertificate (profiled)',
          calls: options.verifies,
          concurrency: VERIFY_CONCURRENCY,
          call: (i) => host.verify(requests[i % requests.length]!),
          quiet: true,
        }),
      );
    }

    const first = issued[0]!;
    return {
      issue,
      insertBaseline,
      grpc: { echo: echoResult, whoAmI, verify, verifyDistinct },
      http: { echo: httpEchoResult, verify: verifyHttp },
      verifyStatements: { statements, calls: verifyCalls, perCall: statements / verifyCalls, byKind: verifyKinds },
      offlineInput: { jws: first.jws, qr: first.qrPayload, trustBundlePem: await host.trustBundlePem() },
      serviceErrors: [...host.errors()],
    };
  } finally {
    http.close();
    await httpEcho.stop();
    await echo.stop();
    await host.stop();
  }
}

function report(found: { online: OnlineResult; rates: RateResult[]; openssl: OpensslSpeed; opensslCpu: OpensslSpeed }) {
  const { online, rates, openssl, opensslCpu } = found;
  const [bareSync, , jws, qr] = rates as [RateResult, RateResult, RateResult, RateResult, RateResult];
  const { echo, whoAmI, verify, verifyDistinct } = online.grpc;
  const { issue, insertBaseline } = online;
  const ratios: Ratio[] = [
    {
      name: 'offline verifySealedJws (JWS, x5c) / openssl speed ecdsap256 verify, per core',
      value: jws.perSecond / openssl.verifyPerSecond,
      meaning: 'sealed-licence checks a core does against the bare P-256 verifications OpenSSL does',
    },
    {
      name: 'offline verifySealedJws (JWS, x5c) per CPU-second / openssl speed ecdsap256 verify per CPU-second',
      value: jws.perCpuSecond / opensslCpu.verifyPerSecond,
      meaning: 'the same in CPU time on both sides (openssl without -elapsed): steadier on a shared machine',
    },
    {
      name: 'offline verifySealedJws (QR) / openssl speed ecdsap256 verify, per core',
      value: qr.perSecond / openssl.verifyPerSecond,
      meaning: 'the same for the QR text (base45 + inflate first)',
    },
    {
      name: 'offline verifySealedJws (JWS) / bare node:crypto verify',
      value: jws.perSecond / bareSync.perSecond,
      meaning: 'what parsing, x5c, chain, key usage and validity keep of the raw signature check',
    },
    {
      name: 'bare node:crypto verify / openssl speed ecdsap256 verify',
      value: bareSync.perSecond / openssl.verifyPerSecond,
      meaning: "Node's crypto against OpenSSL's own loop",
    },
    {
      name: 'VerifyCertificate / bare grpc-js unary, calls/s at concurrency 64',
      value: verify.callsPerSecond / echo.callsPerSecond,
      meaning: 'throughput kept by an online verification against a bare call',
    },
    {
      name: 'VerifyCertificate, a licence not verified before on every call / bare grpc-js unary, calls/s at concurrency 64',
      value: verifyDistinct.callsPerSecond / echo.callsPerSecond,
      meaning: 'the same without the remembered signatures (ADR 017): every call checks its signature',
    },
    {
      name: 'VerifyCertificate / bare grpc-js unary, p99 latency at concurrency 64',
      value: verify.latencyMs.p99 / echo.latencyMs.p99,
      meaning: "the issue's bound: at most 3",
    },
    {
      name: 'VerifyCertificate / bare grpc-js unary, p50 latency at concurrency 64',
      value: verify.latencyMs.p50 / echo.latencyMs.p50,
      meaning: 'how many times slower an online verification answers',
    },
    {
      name: 'VerifyCertificate over HTTP/JSON / VerifyCertificate over gRPC, calls/s at concurrency 64',
      value: online.http.verify.callsPerSecond / verify.callsPerSecond,
      meaning: 'what the HTTP/JSON face (Connect unary, the same handler) keeps of the gRPC throughput',
    },
    {
      name: 'VerifyCertificate over HTTP/JSON / bare node:http echo, calls/s at concurrency 64',
      value: online.http.verify.callsPerSecond / online.http.echo.callsPerSecond,
      meaning: 'throughput kept by an online verification over HTTP against a bare HTTP call',
    },
    {
      name: 'VerifyCertificate over HTTP/JSON / bare node:http echo, p99 latency at concurrency 64',
      value: online.http.verify.latencyMs.p99 / online.http.echo.latencyMs.p99,
      meaning: 'the p99 bound of the gRPC row, over HTTP',
    },
    {
      name: 'kit server WhoAmI / bare grpc-js unary, calls/s at concurrency 64',
      value: whoAmI.callsPerSecond / echo.callsPerSecond,
      meaning: "the kit's interceptors and request log alone",
    },
    {
      name: 'IssueCertificate (to the event on Kafka) / bare PostgreSQL insert, per second at concurrency 8',
      value: issue.issuesPerSecond / insertBaseline.callsPerSecond,
      meaning:
        'issues (validate, signer, number and slot from reserved blocks, seal JWS + QR, group commit of row, key and event, relay) against row inserts',
    },
    {
      name: 'IssueCertificate / bare PostgreSQL insert, p50 latency at concurrency 8',
      value: issue.calls.latencyMs.p50 / insertBaseline.latencyMs.p50,
      meaning: 'how many times longer an issue call takes than an insert and commit',
    },
  ];

  const offlineRows = [
    `| openssl speed -seconds ${OPENSSL_SECONDS} -elapsed ecdsap256, verify | n/a | ${fmt(openssl.verifyPerSecond, 0)} | ${fmt(opensslCpu.verifyPerSecond, 0)} | 1.000 | ${openssl.version}; sign ${fmt(openssl.signPerSecond, 0)}/s; per CPU-second: a second run without -elapsed |`,
    ...rates.map(
      (r) =>
        `| ${r.name} | ${r.operations} | ${fmt(r.perSecond, 0)} | ${fmt(r.perCpuSecond, 0)} | ${fmt(r.perSecond / openssl.verifyPerSecond, 3)} | ${r.note} |`,
    ),
  ];
  const grpcRow = (r: LoadResult) =>
    `| ${r.name} | ${r.calls} | ${fmt(r.callsPerSecond, 0)} | ${fmt(r.latencyMs.p50, 2)} | ${fmt(r.latencyMs.p99, 2)} | ${fmt(r.cpuMsPerCall, 3)} | ${fmt(r.callsPerSecond / echo.callsPerSecond, 3)} | ${r.note} |`;
  const insertsPerSecond = insertBaseline.callsPerSecond;
  const markdown = [
    'Service: `certificateModule` hosted in the bench process on the kit gRPC server (as `startHub` hosts it), over a',
    'fresh PostgreSQL database (pool of 10) and the run’s Kafka broker, with the seals `startSeals` seeds on a first',
    'embedded start (hub CA in a temporary data folder). Clients are grpc-js in the same process (one channel each).',
    '',
    '### Offline verification, one thread (one operation at a time)',
    '',
    '| what | operations | per second | per CPU-second | × openssl verify/s | note |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...offlineRows,
    '',
    `### Unary gRPC calls at concurrency ${VERIFY_CONCURRENCY}`,
    '',
    '| call | calls | calls/s | p50 ms | p99 ms | CPU ms/call | × bare grpc-js | note |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    grpcRow(echo),
    grpcRow(whoAmI),
    grpcRow(verify),
    grpcRow(verifyDistinct),
    '',
    `### VerifyCertificate over HTTP/JSON at concurrency ${VERIFY_CONCURRENCY} (the same rounds)`,
    '',
    '| call | calls | calls/s | p50 ms | p99 ms | CPU ms/call | × bare node:http | × gRPC VerifyCertificate | note |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...[online.http.echo, online.http.verify, verify].map(
      (r) =>
        `| ${r.name} | ${r.calls} | ${fmt(r.callsPerSecond, 0)} | ${fmt(r.latencyMs.p50, 2)} | ${fmt(r.latencyMs.p99, 2)} | ${fmt(r.cpuMsPerCall, 3)} | ${fmt(r.callsPerSecond / online.http.echo.callsPerSecond, 3)} | ${fmt(r.callsPerSecond / verify.callsPerSecond, 3)} | ${r === verify ? 'the gRPC row above' : r.note} |`,
    ),
    '',
    `SQL statements per VerifyCertificate call: **${fmt(online.verifyStatements.perCall, 2)}** (${online.verifyStatements.statements} statements sent by the service, BEGIN and COMMIT counted, relay included, over the ${online.verifyStatements.calls} calls of both VerifyCertificate rows, warm-ups included). By kind, per call: ${online.verifyStatements.byKind.map(([kind, n]) => `${kind} ${fmt(n / online.verifyStatements.calls, 3)}`).join(', ')}.`,
    '',
    `### Issues on PostgreSQL and Kafka, concurrency ${ISSUE_CONCURRENCY}`,
    '',
    '| what | count | per second | p50 ms | p99 ms | CPU ms/op | statements/op | × bare insert | note |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    `| ${insertBaseline.name} | ${insertBaseline.calls} | ${fmt(insertsPerSecond, 0)} | ${fmt(insertBaseline.latencyMs.p50, 2)} | ${fmt(insertBaseline.latencyMs.p99, 2)} | ${fmt(insertBaseline.cpuMsPerCall, 3)} | 3 | 1.000 | ${insertBaseline.note} |`,
    `| IssueCertificate, calls returned | ${issue.calls.calls} | ${fmt(issue.calls.callsPerSecond, 0)} | ${fmt(issue.calls.latencyMs.p50, 2)} | ${fmt(issue.calls.latencyMs.p99, 2)} | ${fmt(issue.calls.cpuMsPerCall, 3)} | ${fmt(issue.statements.perOperation, 2)} | ${fmt(issue.calls.callsPerSecond / insertsPerSecond, 3)} | food business licence, a new holder and idempotency key each; one number counter (type, division, year); numbers and slots from reserved blocks (ADR 017), versions, keys and events group-committed (ADR 014); latency: the call |`,
    `| IssueCertificate → certificate.issued read from Kafka | ${issue.calls.calls} | ${fmt(issue.issuesPerSecond, 0)} | ${fmt(issue.callToEvent.p50, 2)} | ${fmt(issue.callToEvent.p99, 2)} | ${fmt(issue.calls.cpuMsPerCall, 3)} | ${fmt(issue.statements.perOperation, 2)} | ${fmt(issue.issuesPerSecond / insertsPerSecond, 3)} | until the last event is read by a bare kafkajs consumer; latency: call start → event read |`,
    '',
    `SQL statements per issue: **${fmt(issue.statements.perOperation, 2)}** (${issue.statements.statements} statements sent by the service over ${issue.statements.operations} issues, BEGIN and COMMIT counted, the relay included until it had marked every event published; the baseline sends BEGIN, INSERT, COMMIT). By kind, per issue: ${issue.statements.byKind.map(([kind, n]) => `${kind} ${fmt(n / issue.statements.operations, 2)}`).join(', ')}. CPU ms per issue: this process (gRPC client and server, the service, the Kafka reader) from the first call to the last event read.`,
    ...(online.serviceErrors.length > 0
      ? ['', `The service logged ${online.serviceErrors.length} error line(s) during the run: see results.json.`]
      : []),
  ].join('\n');
  return {
    markdown,
    json: {
      offline: { openssl, opensslCpu, rates },
      grpc: online.grpc,
      http: online.http,
      verifyStatements: online.verifyStatements,
      issue: online.issue,
      insertBaseline,
      serviceErrors: online.serviceErrors,
    },
    ratios,
  };
}
