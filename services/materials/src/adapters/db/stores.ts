import type { ItemStore, MaterialStore } from '../../app/ports.js';
import type { LicensingItem } from '../../domain/catalogue.js';
import type { Reuse, StoredMaterial } from '../../domain/library.js';

/** The schema the service keeps its tables in. */
export const MATERIALS_SCHEMA = 'materials';

export const sqlItemStore: ItemStore = {
  async latest(db) {
    const { rows } = await db.query<{ definition: LicensingItem }>(
      `SELECT DISTINCT ON (code) definition FROM materials.items ORDER BY code, version DESC`,
    );
    return rows.map((r) => r.definition);
  },
  async get(db, code, version) {
    const { rows } = await db.query<{ definition: LicensingItem }>(
      version
        ? 'SELECT definition FROM materials.items WHERE code = $1 AND version = $2'
        : 'SELECT definition FROM materials.items WHERE code = $1 ORDER BY version DESC LIMIT 1',
      version ? [code, version] : [code],
    );
    return rows[0]?.definition;
  },
  async versions(db, code) {
    const { rows } = await db.query<{ version: number }>(
      'SELECT version FROM materials.items WHERE code = $1 ORDER BY version',
      [code],
    );
    return rows.map((r) => r.version);
  },
  async seed(db, items, at) {
    await db.query(
      `INSERT INTO materials.items (code, version, definition, created_at)
       SELECT d->>'code', (d->>'version')::integer, d, $2 FROM jsonb_array_elements($1::jsonb) AS d
       ON CONFLICT (code, version) DO NOTHING`,
      [JSON.stringify(items), at],
    );
  },
};

type MaterialState = Omit<StoredMaterial, 'uploadedAt'> & { uploadedAt: string };

const materialOf = (s: MaterialState): StoredMaterial => ({ ...s, uploadedAt: new Date(s.uploadedAt) });

export const sqlMaterialStore: MaterialStore = {
  async find(db, ownerKey, materialType, sha256) {
    const { rows } = await db.query<{ state: MaterialState }>(
      'SELECT state FROM materials.materials WHERE owner_key = $1 AND material_type = $2 AND sha256 = $3',
      [ownerKey, materialType, sha256],
    );
    return rows[0] && materialOf(rows[0].state);
  },
  async get(db, id) {
    const { rows } = await db.query<{ state: MaterialState }>('SELECT state FROM materials.materials WHERE id = $1', [
      id,
    ]);
    return rows[0] && materialOf(rows[0].state);
  },
  async insert(tx, m) {
    await tx.query(
      `INSERT INTO materials.materials (id, owner_key, material_type, sha256, uploaded_by, uploaded_at, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
      [m.id, m.owner.key, m.materialType, m.sha256, m.uploadedBy, m.uploadedAt, JSON.stringify(m)],
    );
  },
  async byOwner(db, ownerKey, visibleTo) {
    const { rows } = await db.query<{ state: MaterialState }>(
      visibleTo === undefined
        ? 'SELECT state FROM materials.materials WHERE owner_key = $1 ORDER BY uploaded_at DESC, id'
        : `SELECT m.state FROM materials.materials m WHERE m.owner_key = $1
             AND (m.uploaded_by = $2 OR EXISTS (
               SELECT 1 FROM materials.reuses r WHERE r.material_id = m.id AND r.department_code = $2))
           ORDER BY m.uploaded_at DESC, m.id`,
      visibleTo === undefined ? [ownerKey] : [ownerKey, visibleTo],
    );
    return rows.map((r) => materialOf(r.state));
  },
  async reuses(db, materialId) {
    const { rows } = await db.query<{ application_id: string; department_code: string }>(
      'SELECT application_id, department_code FROM materials.reuses WHERE material_id = $1',
      [materialId],
    );
    return rows.map((r): Reuse => ({ materialId, applicationId: r.application_id, departmentCode: r.department_code }));
  },
  async addReuses(tx, reuses, resolutionId, at) {
    // one statement for every reuse of the resolution (the bench counts statements per resolution)
    await tx.query(
      `INSERT INTO materials.reuses (material_id, application_id, department_code, resolution_id, reused_at)
       SELECT m, a, d, $4, $5 FROM unnest($1::text[], $2::text[], $3::text[]) AS r (m, a, d)
       ON CONFLICT DO NOTHING`,
      [
        reuses.map((r) => r.materialId),
        reuses.map((r) => r.applicationId),
        reuses.map((r) => r.departmentCode),
        resolutionId,
        at,
      ],
    );
  },
};
