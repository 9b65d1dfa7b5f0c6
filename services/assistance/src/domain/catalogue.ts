import { bodyOf } from '@onceonly/directory';
import { AppError, type FieldViolation, invalid } from '@onceonly/errors';
import { type FieldKind, type FieldSchema, type FieldSpec, schemaViolations } from '@onceonly/fields';
import type { Uscc } from '@onceonly/ids';
import {
  CIVIL_AFFAIRS,
  CONSTRUCTION,
  DISABLED_FEDERATION,
  EMERGENCY,
  HUMAN_RESOURCES,
  JUSTICE,
  PLANNING,
  URBAN_MANAGEMENT,
} from './departments.js';

/**
 * The catalogue of assistance items (行政协助事项目录): what one department may ask another to do, under which law,
 * within how many working days, with which fields. Versioned: changing an item makes a new version, and a request
 * keeps the version it was made under (Putuo 2019 plan item 62: 编制和动态调整行政协助事项目录).
 */

/** 协助执行 (execute an act), 协助调查 (investigate), 协助出具意见 (give an opinion or data). */
export type AssistanceKind = 'execute' | 'investigate' | 'opinion';

/** The law and article an item rests on. */
export interface LegalBasis {
  readonly law: string;
  readonly article: string;
}

/** One version of one item. */
export interface CatalogueItem {
  /** Stable across versions, e.g. `PT-XZ-04`. */
  readonly code: string;
  readonly version: number;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly kind: AssistanceKind;
  /** The departments that provide it (a request names one of them). */
  readonly providers: readonly Uscc[];
  /** The departments that may ask; `any` for every department but the providers. */
  readonly requesters: readonly Uscc[] | 'any';
  readonly legalBasis: LegalBasis;
  /** The least time the provider is given, in working days from the day after the request. */
  readonly timeLimitWorkingDays: number;
  /** Whether an urgent (oral) request is allowed, to be regularised in writing within 3 working days. */
  readonly urgentAllowed: boolean;
  /** Whether requests are about a natural person (a citizen ID in `subject`, kept only as a keyed hash). */
  readonly aboutPerson: boolean;
  readonly request: FieldSchema;
  readonly answer: FieldSchema;
}

/** What a new version may change (the code, kind and version are kept, the version is the next one). */
export type ItemRevision = Partial<
  Pick<
    CatalogueItem,
    | 'nameZh'
    | 'nameEn'
    | 'providers'
    | 'requesters'
    | 'legalBasis'
    | 'timeLimitWorkingDays'
    | 'urgentAllowed'
    | 'request'
    | 'answer'
  >
>;

/** The next version of an item, checked (ASSIST_ITEM_INVALID names each problem). */
export function reviseItem(item: CatalogueItem, revision: ItemRevision): CatalogueItem {
  return checkedItem({ ...item, ...revision, version: item.version + 1 });
}

/**
 * An item whose rules hold: a code like PT-XZ-01, names in both languages, providers named (no one twice, none also
 * a named requester), a time limit of 1–60 working days, a legal basis, sound field schemas (`@onceonly/fields`:
 * keys, labels, kinds, enum values, patterns). ASSIST_ITEM_INVALID names each problem.
 */
export function checkedItem(item: CatalogueItem): CatalogueItem {
  const problems: FieldViolation[] = [];
  const add = (field: string, description: string) => problems.push({ field, reason: 'ITEM_RULE', description });
  if (!/^[A-Z]{2}-[A-Z]{2}-\d{2,4}$/.test(item.code)) add('code', 'like PT-XZ-01');
  if (!Number.isInteger(item.version) || item.version < 1) add('version', 'a whole number from 1');
  if (item.nameZh.trim() === '' || item.nameEn.trim() === '') add('name', 'a name in Chinese and in English');
  if (!KINDS.includes(item.kind)) add('kind', 'execute, investigate or opinion');
  if (item.providers.length === 0) add('provider_codes', 'at least one provider');
  if (new Set(item.providers).size !== item.providers.length) add('provider_codes', 'each provider once');
  if (item.requesters !== 'any') {
    const named = item.requesters;
    if (named.length === 0) add('requester_codes', "at least one, or 'any'");
    if (new Set(named).size !== named.length) add('requester_codes', 'each requester once');
    if (named.some((r) => item.providers.includes(r))) add('requester_codes', 'a provider does not ask itself');
  }
  if (!Number.isInteger(item.timeLimitWorkingDays) || item.timeLimitWorkingDays < 1 || item.timeLimitWorkingDays > 60) {
    add('time_limit_working_days', '1 to 60 working days');
  }
  if (item.legalBasis.law.trim() === '' || item.legalBasis.article.trim() === '') add('legal_basis', 'law and article');
  problems.push(...schemaViolations(item.request, 'request'), ...schemaViolations(item.answer, 'answer'));
  if (problems.length > 0)
    throw invalid(
      'ASSIST_ITEM_INVALID',
      problems,
      `item ${item.code}: ${problems.map((p) => `${p.field}: ${p.description}`).join('; ')}`,
    );
  return Object.freeze(item);
}

const KINDS: readonly AssistanceKind[] = ['execute', 'investigate', 'opinion'];

/** An item's definition as the catalogue keeper writes it: every version's content but the number. */
export type ItemDefinition = Omit<CatalogueItem, 'version'>;

/**
 * The version a publication makes (编制和动态调整行政协助事项目录): `expectedVersion` 0 for a new code, none stored
 * (`latest` undefined); n to follow the latest version n, the new one is n + 1 (else ASSIST_VERSION_CONFLICT: someone
 * published meanwhile, read the item again). A new version keeps the item's kind and whether it is about a person
 * (another kind is another item: another code). Providers and named requesters must be departments of the shared
 * directory (`DEPARTMENT_UNKNOWN`); then every rule of {@link checkedItem}. Pure: the caller stores the result.
 */
export function publishedItem(
  definition: ItemDefinition,
  latest: CatalogueItem | undefined,
  expectedVersion: number,
): CatalogueItem {
  const latestVersion = latest?.version ?? 0;
  if (expectedVersion !== latestVersion) {
    throw new AppError(
      'ASSIST_VERSION_CONFLICT',
      latest
        ? `item ${definition.code} is at version ${latestVersion}, not ${expectedVersion}: read it again`
        : `item ${definition.code} does not exist yet: publish it with expected version 0`,
      { details: { meta: { latestVersion: String(latestVersion) } } },
    );
  }
  const problems: FieldViolation[] = [];
  if (latest && latest.kind !== definition.kind) {
    problems.push({
      field: 'kind',
      reason: 'ITEM_RULE',
      description: `stays ${latest.kind}: another kind is another item`,
    });
  }
  if (latest && latest.aboutPerson !== definition.aboutPerson) {
    problems.push({ field: 'about_person', reason: 'ITEM_RULE', description: 'a new version keeps it' });
  }
  const named = [
    ...definition.providers.map((code, i) => [`provider_codes[${i}]`, code] as const),
    ...(definition.requesters === 'any' ? [] : definition.requesters).map(
      (code, i) => [`requester_codes[${i}]`, code] as const,
    ),
  ];
  for (const [field, code] of named) {
    if (bodyOf(code)?.role !== 'department') {
      problems.push({ field, reason: 'DEPARTMENT_UNKNOWN', description: 'not a department of the directory' });
    }
  }
  if (problems.length > 0) {
    throw invalid(
      'ASSIST_ITEM_INVALID',
      problems,
      `item ${definition.code}: ${problems.map((p) => `${p.field}: ${p.description}`).join('; ')}`,
    );
  }
  return checkedItem({ ...definition, version: latestVersion + 1 });
}

/** Whether `department` may ask for `item`: named, or any department that does not provide it. */
export function mayRequest(item: CatalogueItem, department: string): boolean {
  if (item.providers.includes(department as Uscc)) return false;
  return item.requesters === 'any' || item.requesters.includes(department as Uscc);
}

/** The item a request names, by code and (optionally) version; the latest when no version is given. */
export function findItem(items: readonly CatalogueItem[], code: string, version?: number): CatalogueItem {
  const versions = items.filter((i) => i.code === code);
  const found = version === undefined ? versions.at(-1) : versions.find((i) => i.version === version);
  if (!found) {
    throw new AppError('ASSIST_ITEM_UNKNOWN', `no assistance item ${code}${version ? ` version ${version}` : ''}`);
  }
  return found;
}

function field(
  key: string,
  labelZh: string,
  labelEn: string,
  type: FieldKind,
  more: Partial<FieldSpec> = {},
): FieldSpec {
  return Object.freeze({ key, labelZh, labelEn, type, maxLength: 0, required: false, ...more });
}

const required = { required: true } as const;
const YES_NO = ['是', '否'] as const;
const period = field('period', '查询期间（YYYY-MM）', 'Period (YYYY-MM)', 'string', {
  required: true,
  pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
});
const remarks = field('remarks', '说明', 'Remarks', 'text', { maxLength: 2000 });

/**
 * The seven items of Putuo's 2019 plan, item 61 (城建档案、适龄适岗求职登记残疾人、低保低收入家庭、法律援助申请人经济状况、
 * 残疾人月度社保缴纳、管线规划许可、有无重大安全生产违法违规行为). The plan names the items and the departments; the
 * legal bases, time limits and schemas are plausible seeds, to be replaced by the district's published catalogue.
 */
const SEEDS: CatalogueItem[] = [
  {
    code: 'PT-XZ-01',
    version: 1,
    nameZh: '城建档案查询利用',
    nameEn: 'Urban construction archives',
    kind: 'opinion',
    providers: [CONSTRUCTION.code],
    requesters: 'any',
    legalBasis: { law: '城市建设档案管理规定（建设部令第90号）', article: '第十二条' },
    timeLimitWorkingDays: 10,
    urgentAllowed: false,
    aboutPerson: false,
    request: {
      nameEn: 'Urban construction archives: request',
      fields: [
        field('project_name', '工程名称', 'Project', 'string', { ...required, maxLength: 200 }),
        field('address', '工程地址', 'Address', 'string', { ...required, maxLength: 200 }),
        field('archive_type', '档案类别', 'Archive type', 'enum', {
          ...required,
          enumValues: ['竣工档案', '规划档案', '地下管线档案'],
        }),
      ],
    },
    answer: {
      nameEn: 'Urban construction archives: answer',
      fields: [
        field('found', '是否有档', 'Archive found', 'enum', { ...required, enumValues: YES_NO }),
        field('archive_no', '档号', 'Archive number', 'string', { maxLength: 50 }),
        remarks,
      ],
    },
  },
  {
    code: 'PT-XZ-02',
    version: 1,
    nameZh: '适龄适岗求职登记残疾人核查',
    nameEn: 'Job-seeking registration of working-age disabled persons',
    kind: 'investigate',
    providers: [DISABLED_FEDERATION.code],
    requesters: [HUMAN_RESOURCES.code],
    legalBasis: { law: '残疾人就业条例', article: '第二十一条' },
    timeLimitWorkingDays: 5,
    urgentAllowed: false,
    aboutPerson: true,
    request: { nameEn: 'Disabled job seeker: request', fields: [period] },
    answer: {
      nameEn: 'Disabled job seeker: answer',
      fields: [
        field('registered', '是否已求职登记', 'Registered as a job seeker', 'enum', {
          ...required,
          enumValues: YES_NO,
        }),
        field('registered_on', '登记日期', 'Registered on', 'date'),
        remarks,
      ],
    },
  },
  {
    code: 'PT-XZ-03',
    version: 1,
    nameZh: '低保低收入家庭认定信息核查',
    nameEn: 'Minimum-living-allowance and low-income household status',
    kind: 'opinion',
    providers: [CIVIL_AFFAIRS.code],
    requesters: [HUMAN_RESOURCES.code, JUSTICE.code, DISABLED_FEDERATION.code, CONSTRUCTION.code],
    legalBasis: { law: '社会救助暂行办法', article: '第十一条' },
    timeLimitWorkingDays: 5,
    urgentAllowed: true,
    aboutPerson: true,
    request: { nameEn: 'Household status: request', fields: [remarks] },
    answer: {
      nameEn: 'Household status: answer',
      fields: [
        field('household_status', '家庭类别', 'Household status', 'enum', {
          ...required,
          enumValues: ['低保家庭', '低收入家庭', '特困供养', '均不是'],
        }),
        field('valid_until', '认定有效期至', 'Valid until', 'date'),
        remarks,
      ],
    },
  },
  {
    code: 'PT-XZ-04',
    version: 1,
    nameZh: '法律援助申请人经济状况核查',
    nameEn: 'Economic status of a legal aid applicant',
    kind: 'investigate',
    providers: [CIVIL_AFFAIRS.code],
    requesters: [JUSTICE.code],
    legalBasis: { law: '中华人民共和国法律援助法', article: '第四十一条' },
    timeLimitWorkingDays: 7,
    urgentAllowed: true,
    aboutPerson: true,
    request: {
      nameEn: 'Legal aid applicant: request',
      fields: [
        field('aid_case_no', '法律援助申请编号', 'Legal aid application', 'string', { ...required, maxLength: 50 }),
      ],
    },
    answer: {
      nameEn: 'Legal aid applicant: answer',
      fields: [
        field('economic_difficulty', '是否经济困难', 'In economic difficulty', 'enum', {
          ...required,
          enumValues: YES_NO,
        }),
        field('basis', '认定依据', 'Basis', 'enum', { enumValues: ['低保', '低收入', '特困', '其他'] }),
        remarks,
      ],
    },
  },
  {
    code: 'PT-XZ-05',
    version: 1,
    nameZh: '残疾人月度社会保险缴纳信息',
    nameEn: "Disabled persons' monthly social insurance contributions",
    kind: 'opinion',
    providers: [HUMAN_RESOURCES.code],
    requesters: [DISABLED_FEDERATION.code],
    legalBasis: { law: '中华人民共和国残疾人保障法', article: '第四十八条' },
    timeLimitWorkingDays: 5,
    urgentAllowed: false,
    aboutPerson: true,
    request: { nameEn: 'Social insurance: request', fields: [period] },
    answer: {
      nameEn: 'Social insurance: answer',
      fields: [
        field('contributed', '当月是否缴纳', 'Contributed that month', 'enum', { ...required, enumValues: YES_NO }),
        field('employer', '缴费单位统一社会信用代码', 'Contributing employer', 'uscc'),
        remarks,
      ],
    },
  },
  {
    code: 'PT-XZ-06',
    version: 1,
    nameZh: '管线工程规划许可意见',
    nameEn: 'Opinion on a pipeline planning permit',
    kind: 'opinion',
    providers: [PLANNING.code],
    requesters: [CONSTRUCTION.code, URBAN_MANAGEMENT.code],
    legalBasis: { law: '中华人民共和国城乡规划法', article: '第四十条' },
    timeLimitWorkingDays: 10,
    urgentAllowed: false,
    aboutPerson: false,
    request: {
      nameEn: 'Pipeline permit: request',
      fields: [
        field('project_name', '管线工程名称', 'Pipeline project', 'string', { ...required, maxLength: 200 }),
        field('route', '管线走向', 'Route', 'text', { ...required, maxLength: 2000 }),
        field('applicant', '建设单位统一社会信用代码', 'Developer', 'uscc', required),
      ],
    },
    answer: {
      nameEn: 'Pipeline permit: answer',
      fields: [
        field('opinion', '意见', 'Opinion', 'enum', { ...required, enumValues: ['同意', '有条件同意', '不同意'] }),
        field('permit_no', '建设工程规划许可证号', 'Planning permit number', 'string', { maxLength: 50 }),
        remarks,
      ],
    },
  },
  {
    code: 'PT-XZ-07',
    version: 1,
    nameZh: '有无重大安全生产违法违规行为证明',
    nameEn: 'Whether an enterprise committed serious work-safety violations',
    kind: 'opinion',
    providers: [EMERGENCY.code],
    requesters: 'any',
    legalBasis: { law: '中华人民共和国安全生产法', article: '第七十八条' },
    timeLimitWorkingDays: 5,
    urgentAllowed: true,
    aboutPerson: false,
    request: {
      nameEn: 'Work-safety record: request',
      fields: [
        field('enterprise', '企业统一社会信用代码', 'Enterprise', 'uscc', required),
        field('since', '查询起始日期', 'Since', 'date', required),
      ],
    },
    answer: {
      nameEn: 'Work-safety record: answer',
      fields: [
        field('serious_violation', '有无重大安全生产违法违规行为', 'Serious violation', 'enum', {
          ...required,
          enumValues: ['有', '无'],
        }),
        remarks,
      ],
    },
  },
];

export const SEEDED_ITEMS: readonly CatalogueItem[] = Object.freeze(SEEDS.map(checkedItem));
