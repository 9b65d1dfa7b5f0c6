import type { ConsentStore } from '../../app/consent-ports.js';
import type {
  EvidenceNotification,
  EvidencePiece,
  EvidenceRequest,
  PieceStatus,
  ReuseRecord,
} from '../../domain/consent.js';
import type { Resolution } from '../../domain/resolution.js';

/** Keys whose values are instants: stored as ISO strings in the JSON state, Dates in the domain. */
const INSTANTS = new Set([
  'requestedAt',
  'expiresAt',
  'previewedAt',
  'decidedAt',
  'verifiedAt',
  'reusedAt',
  'resolvedAt',
  'occurredAt',
  'notifiedAt',
]);

/** The JSON state read back with its instants as Dates. */
function revive<T>(value: unknown): T {
  if (Array.isArray(value)) return value.map((v) => revive(v)) as T;
  if (value === null || typeof value !== 'object') return value as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = INSTANTS.has(k) && typeof v === 'string' ? new Date(v) : revive(v);
  }
  return out as T;
}

type RequestHeader = Omit<EvidenceRequest, 'pieces'>;

const REQUEST_COLUMNS = 'r.id, r.state';

async function withPieces(
  db: Parameters<ConsentStore['request']>[0],
  headers: { id: string; state: unknown }[],
): Promise<EvidenceRequest[]> {
  if (headers.length === 0) return [];
  const { rows } = await db.query<{ request_id: string; state: unknown }>(
    'SELECT request_id, state FROM materials.evidence_pieces WHERE request_id = ANY($1::text[]) ORDER BY position',
    [headers.map((h) => h.id)],
  );
  return headers.map((h) => ({
    ...revive<RequestHeader>(h.state),
    pieces: rows.filter((r) => r.request_id === h.id).map((r) => revive<EvidencePiece>(r.state)),
  }));
}

export const sqlConsentStore: ConsentStore = {
  async resolution(db, query) {
    const { rows } = await db.query<{ state: unknown }>(
      'id' in query
        ? 'SELECT state FROM materials.resolutions WHERE id = $1'
        : `SELECT state FROM materials.resolutions WHERE application_id = $1 AND resolved_by = $2
           ORDER BY resolved_at DESC, id DESC LIMIT 1`,
      'id' in query ? [query.id] : [query.applicationId, query.departmentCode],
    );
    return rows[0] && revive<Resolution>(rows[0].state);
  },
  async insertRequest(tx, r) {
    const { pieces, ...header } = r;
    await tx.query(
      `INSERT INTO materials.evidence_requests (id, application_id, resolution_id, applicant_key, department_code,
         requested_at, expires_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
      [
        r.id,
        r.applicationId,
        r.resolutionId,
        r.applicant.key,
        r.departmentCode,
        r.requestedAt,
        r.expiresAt,
        JSON.stringify(header),
      ],
    );
    await tx.query(
      `INSERT INTO materials.evidence_pieces (id, request_id, position, status, material_id, certificate_id, state)
       SELECT p->>'id', $1, (p->>'position')::integer, p->>'status', p->'evidence'->>'materialId',
              p->'evidence'->>'certificateId', p
       FROM jsonb_array_elements($2::jsonb) AS p`,
      [r.id, JSON.stringify(pieces)],
    );
    await tx.query(
      `INSERT INTO materials.certificate_watches (certificate_id, piece_id)
       SELECT certificate_id, id FROM materials.evidence_pieces WHERE request_id = $1 AND certificate_id IS NOT NULL`,
      [r.id],
    );
  },
  async request(db, id, lock) {
    const { rows } = await db.query<{ id: string; state: unknown }>(
      `SELECT ${REQUEST_COLUMNS} FROM materials.evidence_requests r WHERE r.id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return (await withPieces(db, rows))[0];
  },
  async savePieces(tx, pieces) {
    await tx.query(
      `UPDATE materials.evidence_pieces p SET status = d->>'status', state = d
       FROM jsonb_array_elements($1::jsonb) AS d WHERE p.id = d->>'id'`,
      [JSON.stringify(pieces)],
    );
  },
  async requestsOf(db, applicantKey, open) {
    const { rows } = await db.query<{ id: string; state: unknown }>(
      open
        ? `SELECT ${REQUEST_COLUMNS} FROM materials.evidence_requests r WHERE r.applicant_key = $1 AND r.expires_at > $2
             AND EXISTS (SELECT 1 FROM materials.evidence_pieces p WHERE p.request_id = r.id AND p.status = 'pending')
           ORDER BY r.requested_at DESC, r.id`
        : `SELECT ${REQUEST_COLUMNS} FROM materials.evidence_requests r WHERE r.applicant_key = $1
           ORDER BY r.requested_at DESC, r.id`,
      open ? [applicantKey, open.now] : [applicantKey],
    );
    return withPieces(db, rows);
  },
  async dueForExpiry(db, now, limit) {
    const { rows } = await db.query<{ id: string }>(
      `SELECT r.id FROM materials.evidence_requests r WHERE r.expires_at <= $1
         AND EXISTS (SELECT 1 FROM materials.evidence_pieces p WHERE p.request_id = r.id AND p.status = 'pending')
       ORDER BY r.expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  },
  async acceptedMaterial(db, query) {
    const { rows } = await db.query<{ id: string; state: unknown; piece_id: string }>(
      `SELECT ${REQUEST_COLUMNS}, p.id AS piece_id FROM materials.evidence_pieces p
         JOIN materials.evidence_requests r ON r.id = p.request_id
       WHERE p.material_id = $1 AND p.status = 'accepted' AND r.application_id = $2 AND r.department_code = $3
       ORDER BY r.requested_at DESC LIMIT 1`,
      [query.materialId, query.applicationId, query.departmentCode],
    );
    const request = (await withPieces(db, rows))[0];
    const piece = request?.pieces.find((p) => p.id === rows[0]!.piece_id);
    return request && piece ? { request, piece } : undefined;
  },
  async addReuse(tx, reuse) {
    await tx.query(
      `INSERT INTO materials.evidence_reuses (id, piece_id, applicant_key, department_code, reused_at, state)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [reuse.id, reuse.pieceId, reuse.applicant.key, reuse.departmentCode, reuse.reusedAt, JSON.stringify(reuse)],
    );
  },
  async reusesOf(db, applicantKey) {
    const { rows } = await db.query<{ state: unknown }>(
      'SELECT state FROM materials.evidence_reuses WHERE applicant_key = $1 ORDER BY reused_at DESC, id',
      [applicantKey],
    );
    return rows.map((r) => revive<ReuseRecord>(r.state));
  },
  async watches(tx, certificateId) {
    const { rows } = await tx.query<{ piece_id: string; status: PieceStatus; piece: unknown; request: unknown }>(
      `SELECT p.id AS piece_id, p.status, p.state AS piece, r.state AS request FROM materials.certificate_watches w
         JOIN materials.evidence_pieces p ON p.id = w.piece_id
         JOIN materials.evidence_requests r ON r.id = p.request_id
       WHERE w.certificate_id = $1 ORDER BY r.id, p.position FOR UPDATE OF p`,
      [certificateId],
    );
    return rows.map((row) => {
      const piece = revive<EvidencePiece>(row.piece);
      return {
        pieceId: row.piece_id,
        pieceStatus: row.status,
        certificateId: piece.evidence.kind === 'certificate' ? piece.evidence.certificateId : certificateId,
        request: revive<RequestHeader>(row.request),
      };
    });
  },
  async addWatches(tx, certificateId, pieceIds) {
    await tx.query(
      `INSERT INTO materials.certificate_watches (certificate_id, piece_id)
       SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
      [certificateId, [...pieceIds]],
    );
  },
  async addNotifications(tx, notifications) {
    if (notifications.length === 0) return;
    await tx.query(
      `INSERT INTO materials.notifications (id, department_code, application_id, created_at, state)
       SELECT n->>'id', n->>'departmentCode', n->>'applicationId', (n->>'notifiedAt')::timestamptz, n
       FROM jsonb_array_elements($1::jsonb) AS n`,
      [JSON.stringify(notifications)],
    );
  },
  async notificationsOf(db, query) {
    const { rows } = await db.query<{ state: unknown }>(
      `SELECT state FROM materials.notifications WHERE department_code = $1 AND ($2::text IS NULL OR application_id = $2)
       ORDER BY created_at DESC, id LIMIT $3`,
      [query.departmentCode, query.applicationId ?? null, query.limit],
    );
    return rows.map((r) => revive<EvidenceNotification>(r.state));
  },
};
