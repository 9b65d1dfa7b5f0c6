/**
 * Service to service under mutual TLS (ADR 040), on PostgreSQL and Kafka: a hub serving mTLS only (no development
 * identity) hosts the credit service and the audit log; the credit service calls the log over TLS with its own
 * client certificate (ONCEONLY_CREDIT_AUDIT_TLS_*, built by the kit's `peerCredentials`) to learn the log's key and
 * to prove a task's commitment. A 双随机 draw succeeds. A second hub hosting a replica of the credit service (same
 * database, same namespace) without that certificate is refused by the log, and its draw of the same task answers
 * INSPECTION_AUDIT_UNAVAILABLE with nothing written; the first hub then draws it. The log records the service's read
 * under its certificate's identity. A file the variables name that cannot be read stops the module at start.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { auditModule } from '@onceonly/audit';
import { auditEventsV1, auditV1 } from '@onceonly/contracts';
import { creditModule } from '@onceonly/credit';
import { inspectionClient } from '@onceonly/credit/client';
import { isAppError } from '@onceonly/errors';
import { createKafkaTransport, type EventTransport } from '@onceonly/events';
import { promiseClient } from '@onceonly/kit';
import {
  devCallerMetadata,
  errorCodeOf,
  type HostedModules,
  hostModules,
  uniqueNamespace,
} from '@onceonly/kit/testing';
import { generateNoteKey } from '@onceonly/merkle';
import { type Database, openDatabase } from '@onceonly/store';
import { freshDatabase, kafkaBrokers, type TestDatabase, waitFor } from '@onceonly/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueClient, issueServer, makeCa, type Pem } from '../../../libs/kit/test/certs.js';
import { candidates, inspectors, ORGANISER } from '../../credit/test/draws.js';

const CREDIT_SERVICE_CODE = 'onceonly-credit';
const AUDITOR_CODE = 'AUDITOR-MTLS-1';

describe('the credit service calls the audit log under mTLS with its own client certificate', () => {
  let target: TestDatabase;
  let db: Database;
  let transport: EventTransport;
  let secure: HostedModules;
  let replica: HostedModules | undefined;
  let dir = '';
  const ca = makeCa('OnceOnly test client CA');
  const server = issueServer(ca);
  const organiser = issueClient(ca, { code: ORGANISER, name: '普陀区市场监管局', role: 'department' });
  const auditor = issueClient(ca, { code: AUDITOR_CODE, name: 'auditor', role: 'auditor' });
  const logKey = generateNoteKey(`onceonly.test/audit-${randomUUID().slice(0, 8)}`);
  const namespace = uniqueNamespace('mtls');
  const taskId = `PT-MTLS-${randomUUID().slice(0, 8)}`;
  const baseEnv = {
    ONCEONLY_AUDIT_NOTE_KEY: logKey.signerKey,
    ONCEONLY_AUDIT_CHECKPOINT_MS: '200',
    ONCEONLY_CREDIT_SWEEP_MS: '0',
    ONCEONLY_CREDIT_LICENSING: 'false',
    ONCEONLY_HOLDER_HASH_KEY: 'credit-mtls-holder-hash-key-0123456789',
  };

  const over = (pem: Pem) => credentials.createSsl(ca.cert, pem.key, pem.cert);
  // the server certificate names localhost and 127.0.0.1
  const inspections = (pem: Pem) => inspectionClient(secure.address, { credentials: over(pem) });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'onceonly-credit-mtls-'));
    const file = (name: string, content: Buffer) => {
      const at = path.join(dir, name);
      writeFileSync(at, content);
      return at;
    };
    const service = issueClient(ca, { code: CREDIT_SERVICE_CODE, name: '信用服务', role: 'auditor' });
    target = await freshDatabase('credit_mtls');
    db = await openDatabase({ url: target.url });
    transport = await createKafkaTransport({ brokers: kafkaBrokers(), clientId: 'credit-mtls-test' });
    secure = await hostModules({
      db,
      transport,
      namespace,
      modules: [creditModule, auditModule],
      tls: { caCert: ca.cert, cert: server.cert, key: server.key },
      env: {
        ...baseEnv,
        // ONCEONLY_AUDIT_VKEY unset: the log's key too is asked over TLS (ADR 025)
        ONCEONLY_CREDIT_AUDIT_TLS_CA: file('ca.pem', ca.cert),
        ONCEONLY_CREDIT_AUDIT_TLS_CERT: file('credit.pem', service.cert),
        ONCEONLY_CREDIT_AUDIT_TLS_KEY: file('credit.key', service.key),
      },
    });
  });
  afterAll(async () => {
    await replica?.stop();
    await secure?.stop();
    await transport?.close();
    await db?.close();
    await target?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses a module whose certificate file cannot be read, naming the variable, before it starts', async () => {
    const refused = await hostModules({
      db,
      transport,
      namespace: uniqueNamespace('mtls'),
      modules: [creditModule],
      env: {
        ...baseEnv,
        ONCEONLY_CREDIT_AUDIT_TLS_CA: path.join(dir, 'ca.pem'),
        ONCEONLY_CREDIT_AUDIT_TLS_CERT: path.join(dir, 'missing.pem'),
        ONCEONLY_CREDIT_AUDIT_TLS_KEY: path.join(dir, 'credit.key'),
      },
    }).then(
      async (host) => {
        await host.stop();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(isAppError(refused, 'CONFIG_INVALID'), String(refused)).toBe(true);
    // the operator is told which variable
    expect((refused as Error).message).toContain('ONCEONLY_CREDIT_AUDIT_TLS_CERT');
  });

  it('draws over mTLS; a replica without the client certificate is refused with a coded error and writes nothing', async () => {
    const task = {
      taskId,
      department: ORGANISER,
      title: '2026年普陀区食品经营者双随机联合抽查（mTLS）',
      items: ['食品经营许可情况'],
      candidates: candidates(24),
      ratios: { A: 1_000, B: 2_000, C: 5_000, D: 10_000 },
      inspectors: inspectors(6),
      inspectorsPerTarget: 2,
      recusals: { recentInspections: [], conflicts: [] },
    };
    const organiserClient = inspections(organiser);
    const committed = await organiserClient.commitInspectionTask({ taskJson: JSON.stringify(task) });
    expect(committed.replayed).toBe(false);

    // the mTLS hub serves no plaintext caller: the organiser without a certificate is refused at the transport
    const plain = inspectionClient(secure.address, { metadata: devCallerMetadata(ORGANISER) });
    expect(await errorCodeOf(plain.getInspectionTask({ taskId }))).toBe('UNAVAILABLE');
    plain.close();

    // a replica of the credit service in a second hub: same database and namespace, the log at the mTLS hub's
    // address, no client certificate (the log's key pinned, so that it does not wait for it)
    replica = await hostModules({
      db,
      transport,
      namespace,
      modules: [creditModule],
      env: {
        ...baseEnv,
        ONCEONLY_AUDIT_VKEY: logKey.verifierKey,
        ONCEONLY_CREDIT_AUDIT_ADDR: secure.address,
      },
    });
    const viaReplica = inspectionClient(replica.address, { metadata: devCallerMetadata(ORGANISER) });
    // once the log can prove the commitment (an auditor asks), so that only the certificate is missing
    const log = promiseClient(
      auditV1.AuditServiceClient,
      auditV1,
      ['searchEvents', 'getInclusionProof'] as const,
      secure.address,
      { credentials: over(auditor) },
    );
    await waitFor(
      () =>
        log.getInclusionProof({ leaf: { $case: 'eventId', value: committed.commitmentEventId } }).then(
          () => true,
          () => undefined,
        ),
      { timeoutMs: 30_000, intervalMs: 200, message: 'the commitment in a signed checkpoint' },
    );
    expect(await errorCodeOf(viaReplica.drawInspectionTask({ taskId }))).toBe('INSPECTION_AUDIT_UNAVAILABLE');
    const { rows: none } = await db.query('SELECT count(*)::int AS n FROM credit.inspection_draws');
    expect(none[0]).toEqual({ n: 0 });
    viaReplica.close();

    // the mTLS hub's credit service draws the same task: its certificate admits it
    const draw = await waitFor(
      () =>
        organiserClient.drawInspectionTask({ taskId }).catch((err: unknown) => {
          // until the service has kept the checkpoint; any other refusal fails the test
          if (isAppError(err, 'INSPECTION_NOT_CHECKPOINTED')) return undefined;
          throw err;
        }),
      { timeoutMs: 60_000, intervalMs: 300, message: 'the draw under mTLS' },
    );
    expect(draw!.replayed).toBe(false);
    expect(draw!.draw?.proof?.eventId).toBe(committed.commitmentEventId);
    expect((JSON.parse(draw!.draw!.resultJson) as { drawn: unknown[] }).drawn.length).toBeGreaterThan(0);
    organiserClient.close();

    // the log recorded the service's read under its certificate: who, role, how, what
    const read = await waitFor(
      async () => {
        const { entries } = await log.searchEvents({
          type: 'audit.entries-read',
          page: { pageSize: 500, pageToken: '' },
        });
        return entries
          .map((e) => auditEventsV1.EntriesRead.decode(e.event!.data))
          .find(
            (r) =>
              r.readerCode === CREDIT_SERVICE_CODE &&
              r.method === 'GetInclusionProof' &&
              r.eventId === committed.commitmentEventId,
          );
      },
      { timeoutMs: 30_000, intervalMs: 300, message: "the record of the credit service's read" },
    );
    log.close();
    expect(read).toMatchObject({ role: 'auditor', authenticatedBy: 'mtls' });
  });
});
