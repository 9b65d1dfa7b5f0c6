import { randomUUID } from 'node:crypto';
import type { Database } from '@onceonly/store';
import { type LoadResult, measureLoad } from './certificate-load.js';

/**
 * The baseline of issuing: a bare PostgreSQL insert and commit of a comparable row, one row per transaction, at the
 * same concurrency. The table is a copy of `certificate.certificates` with all its constraints and indexes
 * (`LIKE … INCLUDING ALL`), and each row is a copy of a certificate the service issued (the same JWS, QR text and
 * jsonb state), with the unique columns changed. No counters, no seal, no idempotency key, no outbox, no relay.
 */
export async function bareCertificateInserts(
  db: Database,
  options: { rows: number; warmup: number; concurrency: number; round?: number },
): Promise<LoadResult> {
  // created by the first round; later rounds (the issue suite's interleaved rounds) add rows of their own
  await db.query('CREATE SCHEMA IF NOT EXISTS bench_baseline');
  await db.query(
    'CREATE TABLE IF NOT EXISTS bench_baseline.certificates (LIKE certificate.certificates INCLUDING ALL)',
  );
  const tag = options.round === undefined ? '' : `r${options.round}`;
  const { rows } = await db.query<{ row: Record<string, unknown> }>(
    'SELECT to_jsonb(c) AS row FROM certificate.certificates c ORDER BY created_at LIMIT 1',
  );
  const template = rows[0]?.row;
  if (template === undefined) throw new Error('no issued certificate to copy');
  const bytes = Buffer.byteLength(JSON.stringify(template));
  const insert = (i: number) => {
    const row = {
      ...template,
      id: randomUUID(),
      identifier: `${template.identifier as string}.${tag}${i}`,
      number: `${template.number as string}-${tag}${i}`,
      holder_subject: `${template.holder_subject as string}-${tag}${i}`,
      status_list_index: 1_000_000 * (1 + (options.round ?? 0)) + i,
    };
    return db.transaction((tx) =>
      tx.query(
        'INSERT INTO bench_baseline.certificates SELECT * FROM jsonb_populate_record(NULL::bench_baseline.certificates, $1::jsonb)',
        [JSON.stringify(row)],
      ),
    );
  };
  return measureLoad({
    name: 'bare PostgreSQL insert + commit of a comparable row',
    label: 'bare PostgreSQL inserts',
    calls: options.rows,
    warmup: options.warmup,
    concurrency: options.concurrency,
    call: insert,
    note: `one row of a copy of certificate.certificates (same constraints and indexes, ${bytes} bytes as JSON) per transaction, same pool`,
  });
}
