import { bodyOf } from '@onceonly/directory';

/**
 * The exemption rate (用证免交比率), the figure the districts report: materials exempt ÷ materials the items asked
 * for, over the last resolution of each application (an application resolved again counts once, as last decided),
 * in the period of that last resolution. Pure: the store hands the sums per (department, item, period) in one
 * statement, and this folds them by the dimension asked and names each key.
 */

export type RateDimension = 'total' | 'item' | 'department' | 'district';
export type RatePeriod = 'whole' | 'month' | 'quarter';

/** The sums of the last resolutions of one department, one item and one period, as the store reads them. */
export interface RateGroup {
  readonly department: string;
  readonly itemCode: string;
  /** The first day of the period (YYYY-MM-DD, China Standard Time); empty for the whole window. */
  readonly periodStart: string;
  readonly applications: number;
  readonly materials: number;
  /** Materials its last resolutions found EXEMPT. */
  readonly exempt: number;
  readonly unsourced: number;
  /**
   * Of those EXEMPT, the materials whose reuse the applicant refused (a piece rejected or expired, none accepted):
   * the applicant submits them after all, so they count as required ({@link RATE_METHOD}). Absent: none.
   */
  readonly refused?: number;
}

export interface RateRow {
  /** The item code, department code or district code; empty for the total. */
  readonly key: string;
  readonly nameZh: string;
  /** `2026-03`, `2026-Q1`, or empty for the whole window. */
  readonly period: string;
  readonly applications: number;
  readonly materials: number;
  /** Exempt in the end: resolved EXEMPT less {@link refused}. */
  readonly exempt: number;
  readonly unsourced: number;
  /** Resolved EXEMPT, then refused by the applicant: counted as required. */
  readonly refused: number;
  readonly rate: number;
  readonly rateOfReplaceable: number;
}

export interface ExemptionRate {
  readonly rows: readonly RateRow[];
  readonly total: RateRow;
  readonly methodZh: string;
  readonly methodEn: string;
  readonly from: string;
  readonly to: string;
}

/** How the figure is computed, stated beside it. */
export const RATE_METHOD = {
  zh:
    '用证免交比率 = 免交材料数 ÷ 应交材料数。统计口径：每个申请（受理部门 + 申请编号）只计最后一次材料核验结果，' +
    '计入该次核验所在期间；应交材料数为事项材料清单所列全部材料（含无可替代来源、须当场提交的申请书等），' +
    '免交材料数为核验结论为"免交"（电子证照在线核验有效、电子材料库材料有效、部门数据或信用信息核验通过）的材料数；' +
    '申请人在预览中拒绝复用（或预览过期未确认）、且未另行同意的可免交材料，计为应交、不计为免交（另列"拒绝复用"数）；' +
    '"可替代材料免交率"的分母不计无可替代来源的材料。部门为作出核验的受理部门，区为该部门所属行政区划。',
  en:
    'Exemption rate = materials exempt ÷ materials required. Each application (the resolving department and its ' +
    'application id) counts once, by its last resolution, in the period of that resolution. Materials required: ' +
    "every material of the item's list, including those no source can replace (the signed application form); " +
    'materials exempt: those resolved EXEMPT (a certificate verified live and valid, a current material of the ' +
    "library, a department's data or the credit profile), less those the applicant refused: a material that could " +
    'be exempt but whose reuse the applicant rejected in the preview (or let the preview expire), with no piece ' +
    'for it accepted, counts as required, not exempt (shown apart as refused). The rate of replaceable materials ' +
    "leaves out those no source can replace. Department: the department that resolved; district: that department's " +
    'division.',
} as const;

/** The district (GB/T 2260 division code) of a department: the directory's, else the credit code's 3rd–8th characters. */
export function districtOf(department: string): string {
  const known = bodyOf(department);
  if (known) return known.division;
  // a unified social credit code carries the division of the registration authority in characters 3 to 8
  return /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(department) ? department.slice(2, 8) : 'unknown';
}

/** Names of the keys a row may have. */
export interface RateNames {
  readonly items: ReadonlyMap<string, string>;
}

const DIVISIONS: Readonly<Record<string, string>> = {
  '310000': '上海市',
  '310101': '黄浦区',
  '310104': '徐汇区',
  '310105': '长宁区',
  '310106': '静安区',
  '310107': '普陀区',
  '310109': '虹口区',
  '310110': '杨浦区',
  '310112': '闵行区',
  '310113': '宝山区',
  '310114': '嘉定区',
  '310115': '浦东新区',
  '310116': '金山区',
  '310117': '松江区',
  '310118': '青浦区',
  '310120': '奉贤区',
  '310151': '崇明区',
};

function nameOf(by: RateDimension, key: string, names: RateNames): string {
  switch (by) {
    case 'item':
      return names.items.get(key) ?? key;
    case 'department':
      return bodyOf(key)?.nameZh ?? key;
    case 'district':
      return DIVISIONS[key] ?? key;
    default:
      return '合计';
  }
}

function keyOf(by: RateDimension, g: RateGroup): string {
  switch (by) {
    case 'item':
      return g.itemCode;
    case 'department':
      return g.department;
    case 'district':
      return districtOf(g.department);
    default:
      return '';
  }
}

/** `2026-03` or `2026-Q1` of a period's first day; empty for the whole window. */
export function periodLabel(period: RatePeriod, start: string): string {
  if (period === 'whole' || start === '') return '';
  const [year, month] = [start.slice(0, 4), Number(start.slice(5, 7))];
  return period === 'month' ? start.slice(0, 7) : `${year}-Q${Math.floor((month - 1) / 3) + 1}`;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

function row(key: string, nameZh: string, period: string, groups: readonly RateGroup[]): RateRow {
  const sum = (f: (g: RateGroup) => number) => groups.reduce((n, g) => n + f(g), 0);
  const [applications, materials, resolvedExempt, unsourced, refused] = [
    sum((g) => g.applications),
    sum((g) => g.materials),
    sum((g) => g.exempt),
    sum((g) => g.unsourced),
    sum((g) => Math.min(g.refused ?? 0, g.exempt)),
  ];
  // a material the applicant refused to have reused is submitted after all: required, not exempt
  const exempt = resolvedExempt - refused;
  return {
    key,
    nameZh,
    period,
    applications,
    materials,
    exempt,
    unsourced,
    refused,
    rate: ratio(exempt, materials),
    rateOfReplaceable: ratio(exempt, materials - unsourced),
  };
}

/**
 * The rate by `by` and `period` from the store's groups: one row per key and period (ordered by key, then period),
 * and the total of the window.
 */
export function exemptionRate(
  groups: readonly RateGroup[],
  query: { by: RateDimension; period: RatePeriod; from: string; to: string },
  names: RateNames,
): ExemptionRate {
  const buckets = new Map<string, { key: string; period: string; groups: RateGroup[] }>();
  for (const g of groups) {
    const key = keyOf(query.by, g);
    const period = periodLabel(query.period, g.periodStart);
    const id = `${key}\u0000${period}`;
    const bucket = buckets.get(id) ?? { key, period, groups: [] };
    bucket.groups.push(g);
    buckets.set(id, bucket);
  }
  const rows = [...buckets.values()]
    .sort((a, b) => (a.key === b.key ? (a.period < b.period ? -1 : 1) : a.key < b.key ? -1 : 1))
    .map((b) => row(b.key, nameOf(query.by, b.key, names), b.period, b.groups));
  return {
    rows,
    total: row('', '合计', '', groups),
    methodZh: RATE_METHOD.zh,
    methodEn: RATE_METHOD.en,
    from: query.from,
    to: query.to,
  };
}
