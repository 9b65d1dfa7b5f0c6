import type { Logger } from '@onceonly/kit';
import type { Database } from '@onceonly/store';
import type { Department } from '../../domain/departments.js';
import { effectiveSealStatus, type SealRecord } from '../../domain/seals/seal.js';
import { insertNewSeal } from '../seals/create-seal.js';
import { newSeal } from '../seals/new-seal.js';
import type { SealDeps } from '../seals/ports.js';
import type { CredentialWriter } from './ports.js';

/** The marker row of the demo seed in `certificate.department_seed`. */
export const DEMO_SEED = 'demo-departments';

export interface SeedDeps {
  readonly db: Database;
  readonly seals: SealDeps;
  readonly credentials: CredentialWriter;
  readonly log: Logger;
  /** Default: every department the `Departments` port knows (the demo list in embedded mode). */
  readonly departments?: readonly Department[];
}

/** One department the seed set up. */
export interface SeededDepartment {
  readonly code: string;
  readonly role: Department['role'];
  /** Kid of the seal made for it; undefined for platforms and portals (and a department that had one already). */
  readonly sealKid?: string | undefined;
  /** Folder of its mTLS client credentials. */
  readonly credentials: string;
}

export interface SeedResult {
  /** False when an earlier start (or another process) seeded already: nothing was made. */
  readonly seeded: boolean;
  readonly departments: readonly SeededDepartment[];
}

/**
 * Seeds the demo departments on the first embedded start, once: each department that seals gets its seal
 * ('licensing', or 'industry-licence' for the service centre's 行业综合许可专用章), every department, platform and
 * portal gets mTLS client credentials, and the hub gets a development server certificate. The seals, their
 * `seal.created` events and the marker row commit together; credentials are written first, so a crash before
 * the commit only means they are written again on the next start. Logs one line per department, no secrets.
 */
export async function seedDemoDepartments(deps: SeedDeps): Promise<SeedResult> {
  const { db, seals: sealDeps } = deps;
  if (await sealDeps.store.hasSeed(db, DEMO_SEED)) return { seeded: false, departments: [] };
  const departments = deps.departments ?? sealDeps.departments.all();
  const now = sealDeps.clock();
  const made = new Map<string, SealRecord>();
  for (const d of departments) {
    if (!d.seal) continue;
    const spec = { departmentCode: d.code, departmentName: d.nameZh, division: d.division };
    made.set(d.code, newSeal(sealDeps, { ...spec, name: d.seal.nameZh, kind: d.seal.use }, now));
  }
  const folders = new Map<string, string>();
  for (const d of departments) {
    folders.set(d.code, await deps.credentials.writeClient({ code: d.code, name: d.nameZh, role: d.role }));
  }
  const server = await deps.credentials.writeServer();
  const stored = await db.transaction(async (tx) => {
    const codes = departments.map((d) => d.code);
    if (!(await sealDeps.store.claimSeed(tx, DEMO_SEED, now, codes))) return undefined;
    const kept = new Set<string>();
    for (const [code, seal] of made) {
      const current = await sealDeps.store.activeForUpdate(tx, code, seal.kind);
      // a department that made its own seal before the first seed keeps it
      if (current && effectiveSealStatus(current, now) === 'active') continue;
      await insertNewSeal(tx, sealDeps, seal, now);
      kept.add(code);
    }
    return kept;
  });
  if (!stored) return { seeded: false, departments: [] };
  for (const code of stored) {
    const kid = made.get(code)?.kid;
    if (kid !== undefined) sealDeps.onSealChanged?.(kid);
  }
  const result = departments.map((d) => ({
    code: d.code,
    role: d.role,
    sealKid: stored.has(d.code) ? made.get(d.code)?.kid : undefined,
    credentials: folders.get(d.code) ?? '',
  }));
  for (const d of result) {
    const seal = made.get(d.code);
    deps.log.info(
      { department: d.code, role: d.role, sealKid: d.sealKid, sealKind: seal?.kind, credentials: d.credentials },
      'seeded department',
    );
  }
  deps.log.debug({ credentials: server }, 'seeded the development server certificate');
  return { seeded: true, departments: result };
}
