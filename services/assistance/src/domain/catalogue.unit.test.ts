import { DEMO_PLATFORM } from '@onceonly/directory';
import { AppError } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import {
  type CatalogueItem,
  findItem,
  type ItemDefinition,
  mayRequest,
  publishedItem,
  SEEDED_ITEMS,
} from './catalogue.js';
import { COORDINATOR, PLANNING, URBAN_MANAGEMENT } from './departments.js';

// Publishing through the service (编制和动态调整行政协助事项目录): versions numbered by the catalogue, the version
// read checked, departments from the directory, the definition's rules.

function definitionOf({ version: _, ...definition }: CatalogueItem): ItemDefinition {
  return definition;
}

const PIPELINE = findItem(SEEDED_ITEMS, 'PT-XZ-06');
// an execute item (illustrative: not Putuo's published catalogue)
const SEAL_UP: ItemDefinition = {
  ...definitionOf(PIPELINE),
  code: 'PT-XZ-08',
  nameZh: '协助查封施工现场',
  nameEn: 'Seal up a construction site',
  kind: 'execute',
  providers: [URBAN_MANAGEMENT.code],
  requesters: [PLANNING.code],
  legalBasis: { law: '中华人民共和国城乡规划法', article: '第六十八条' },
};

function problemsOf(fn: () => unknown): { code: string; fields: string[] } {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, fields: err.fields.map((v) => v.field) };
    throw err;
  }
  throw new Error('no error');
}

describe('publishing catalogue items', () => {
  it('numbers a new item 1 and the next version n + 1, keeping what earlier versions said', () => {
    const v1 = publishedItem(SEAL_UP, undefined, 0);
    expect(v1).toMatchObject({ code: 'PT-XZ-08', version: 1, kind: 'execute' });
    expect(mayRequest(v1, PLANNING.code)).toBe(true);
    expect(mayRequest(v1, COORDINATOR.code)).toBe(false);
    const v2 = publishedItem({ ...SEAL_UP, timeLimitWorkingDays: 3 }, v1, 1);
    expect(v2).toMatchObject({ version: 2, timeLimitWorkingDays: 3 });
    expect(v1.timeLimitWorkingDays).toBe(10);
    expect(Object.isFrozen(v2)).toBe(true);
  });

  it('refuses a stale version read: a new code that exists, a version that is not the latest', () => {
    const v1 = publishedItem(SEAL_UP, undefined, 0);
    expect(problemsOf(() => publishedItem(SEAL_UP, v1, 0)).code).toBe('ASSIST_VERSION_CONFLICT');
    expect(problemsOf(() => publishedItem(SEAL_UP, v1, 2)).code).toBe('ASSIST_VERSION_CONFLICT');
    expect(problemsOf(() => publishedItem(SEAL_UP, undefined, 1)).code).toBe('ASSIST_VERSION_CONFLICT');
  });

  it('refuses departments outside the directory, and a kind or person rule changed by a new version', () => {
    // a body of the directory that is no department (a platform), and a code the directory does not hold
    const platform = DEMO_PLATFORM.code;
    expect(
      problemsOf(() =>
        publishedItem({ ...SEAL_UP, providers: ['11310107MB2F99999X' as never], requesters: [platform] }, undefined, 0),
      ),
    ).toEqual({ code: 'ASSIST_ITEM_INVALID', fields: ['provider_codes[0]', 'requester_codes[0]'] });
    const v1 = publishedItem(SEAL_UP, undefined, 0);
    expect(problemsOf(() => publishedItem({ ...SEAL_UP, kind: 'opinion', aboutPerson: true }, v1, 1))).toEqual({
      code: 'ASSIST_ITEM_INVALID',
      fields: ['kind', 'about_person'],
    });
  });

  it('names every rule a definition breaks', () => {
    const broken: ItemDefinition = {
      ...SEAL_UP,
      code: 'pt-8',
      nameEn: ' ',
      providers: [URBAN_MANAGEMENT.code, URBAN_MANAGEMENT.code],
      requesters: [URBAN_MANAGEMENT.code],
      timeLimitWorkingDays: 61,
      legalBasis: { law: '中华人民共和国城乡规划法', article: '' },
      answer: {
        nameEn: 'x',
        fields: [{ key: 'done', labelZh: '是否执行', labelEn: 'Done', type: 'enum', required: true, maxLength: 0 }],
      },
    };
    expect(problemsOf(() => publishedItem(broken, undefined, 0))).toEqual({
      code: 'ASSIST_ITEM_INVALID',
      fields: [
        'code',
        'name',
        'provider_codes',
        'requester_codes',
        'time_limit_working_days',
        'legal_basis',
        'answer.fields[0].enum_values',
      ],
    });
  });
});
