import { AppError } from '@onceonly/errors';
import { computeUsccCheck } from '@onceonly/ids';

/**
 * The catalogue of licensing items and their materials (事项与材料清单), versioned, as data: each item lists the
 * materials it asks for, and each material the sources that can replace it, tried in order. Certificate and library
 * sources are resolved now; data sources (an assistance catalogue item, a fact of the credit profile) are declared
 * and answer SOURCE_NOT_CONNECTED until they are connected.
 */

/** What can replace a material. */
export type MaterialSource =
  /** An e-certificate of this type the applicant holds, verified live through the certificate service. */
  | { readonly kind: 'certificate'; readonly typeCode: string }
  /** A material of this type in the applicant's library, still valid. */
  | { readonly kind: 'library'; readonly materialType: string }
  /** A data item another department provides through an assistance catalogue item (declared). */
  | { readonly kind: 'assistance-item'; readonly itemCode: string }
  /** A fact of the applicant's credit profile (declared). */
  | { readonly kind: 'credit-profile'; readonly fact: string };

export interface MaterialRequirement {
  readonly code: string;
  readonly nameZh: string;
  readonly nameEn: string;
  /** Tried in order; empty: the applicant always submits it. */
  readonly sources: readonly MaterialSource[];
  readonly note?: string;
}

export interface LicensingItem {
  readonly code: string;
  readonly version: number;
  readonly nameZh: string;
  readonly nameEn: string;
  /** The certificate type the item grants. */
  readonly certificateTypeCode?: string;
  /** The 一业一证 industry of an industry licence item. */
  readonly industryCode?: string;
  readonly legalBasis: string;
  readonly materials: readonly MaterialRequirement[];
}

/** A type of material the library keeps. */
export interface MaterialType {
  readonly code: string;
  readonly nameZh: string;
  readonly nameEn: string;
}

/** Bounds of what the catalogue and requests hold. */
export const MAX_CODE = 64;

const withCheck = (first17: string) => `${first17}${computeUsccCheck(first17)}`;

/**
 * The certificate type codes the seeded items name: the certificate service's catalogue (its defining bodies' credit
 * codes + a sequence), restated here as data, since a service never imports another. They must stay equal to the
 * certificate service's `TYPE_CODES`: `services/hub/src/commands/materials.unit.test.ts` checks that they do.
 */
export const CERTIFICATE_TYPES = {
  BUSINESS_LICENCE: `${withCheck('11100000000013338')}001`,
  FOOD_BUSINESS: `${withCheck('11100000000013338')}002`,
  LIQUOR_RETAIL: `${withCheck('11100000000013338')}003`,
  PUBLIC_HYGIENE: `${withCheck('11100000MB1653242')}001`,
  PUBLICATIONS: `${withCheck('11100000MB0196934')}001`,
  DRUG_BUSINESS: `${withCheck('11100000MB0341266')}001`,
  FILM_SCREENING: `${withCheck('11100000MB0196942')}001`,
  INTERNET_CAFE: `${withCheck('11100000MB1678082')}001`,
  INDUSTRY_LICENCE: `${withCheck('11310000002418329')}001`,
} as const;

/** The material types of the library (the codes library sources and uploads name). */
export const MATERIAL_TYPES: readonly MaterialType[] = Object.freeze([
  { code: 'floor-plan', nameZh: '经营场所平面图', nameEn: 'Floor plan of the premises' },
  { code: 'premises-proof', nameZh: '经营场所使用证明（产权证明或租赁合同）', nameEn: 'Proof of use of the premises' },
  { code: 'layout-and-process', nameZh: '设备布局和工艺流程图', nameEn: 'Equipment layout and process flow' },
  { code: 'food-safety-rules', nameZh: '食品安全管理制度', nameEn: 'Food safety management rules' },
  { code: 'hygiene-rules', nameZh: '卫生管理制度', nameEn: 'Hygiene management rules' },
  { code: 'fire-safety-check', nameZh: '消防安全检查合格证明', nameEn: 'Fire safety inspection certificate' },
  { code: 'articles-of-association', nameZh: '公司章程', nameEn: 'Articles of association' },
  { code: 'staff-qualifications', nameZh: '从业人员资质证明', nameEn: 'Staff qualifications' },
  { code: 'screening-equipment', nameZh: '放映设备清单', nameEn: 'Screening equipment list' },
]);

const T = CERTIFICATE_TYPES;
const cert = (typeCode: string): MaterialSource => ({ kind: 'certificate', typeCode });
const lib = (materialType: string): MaterialSource => ({ kind: 'library', materialType });

function material(code: string, nameZh: string, nameEn: string, ...sources: MaterialSource[]): MaterialRequirement {
  return { code, nameZh, nameEn, sources };
}

const applicationForm = (nameZh: string) =>
  material('application-form', nameZh, 'Signed application form (always submitted)');
const businessLicence = material('business-licence', '营业执照', 'Business licence', cert(T.BUSINESS_LICENCE));
const floorPlan = material('floor-plan', '经营场所平面图', 'Floor plan of the premises', lib('floor-plan'));
const premisesProof = material(
  'premises-proof',
  '经营场所使用证明',
  'Proof of use of the premises',
  lib('premises-proof'),
);
const noSeriousDishonesty = material(
  'credit-commitment',
  '无严重失信记录承诺（信用核查）',
  'No serious-dishonesty listing (credit check)',
  { kind: 'credit-profile', fact: 'no-serious-dishonesty-listing' },
);
const noMajorSafetyViolation = material(
  'safety-record',
  '有无重大安全生产违法违规行为证明',
  'No major work-safety violation (administrative assistance)',
  { kind: 'assistance-item', itemCode: 'PT-XZ-07' },
);

/** One 新办 item per licence type of the certificate catalogue. */
const LICENCE_ITEMS: LicensingItem[] = [
  {
    code: 'business-licence-new',
    version: 1,
    nameZh: '营业执照 设立登记',
    nameEn: 'Business licence: registration',
    certificateTypeCode: T.BUSINESS_LICENCE,
    legalBasis: '《中华人民共和国市场主体登记管理条例》第十六条',
    materials: [
      applicationForm('设立登记申请书'),
      material('articles', '公司章程', 'Articles of association', lib('articles-of-association')),
      premisesProof,
    ],
  },
  {
    code: 'food-business-new',
    version: 1,
    nameZh: '食品经营许可 新办',
    nameEn: 'Food business licence: new',
    certificateTypeCode: T.FOOD_BUSINESS,
    legalBasis: '《食品经营许可和备案管理办法》第十四条',
    materials: [
      applicationForm('食品经营许可申请书'),
      businessLicence,
      floorPlan,
      premisesProof,
      material('layout-and-process', '设备布局和工艺流程图', 'Equipment layout and process', lib('layout-and-process')),
      material('food-safety-rules', '食品安全管理制度', 'Food safety management rules', lib('food-safety-rules')),
    ],
  },
  {
    code: 'liquor-retail-new',
    version: 1,
    nameZh: '酒类商品零售许可 新办',
    nameEn: 'Liquor retail licence: new',
    certificateTypeCode: T.LIQUOR_RETAIL,
    legalBasis: '《上海市酒类商品产销管理条例》第十五条',
    materials: [
      applicationForm('酒类商品零售许可申请表'),
      businessLicence,
      material('food-business-licence', '食品经营许可证', 'Food business licence', cert(T.FOOD_BUSINESS)),
      floorPlan,
      noSeriousDishonesty,
    ],
  },
  {
    code: 'public-hygiene-new',
    version: 1,
    nameZh: '公共场所卫生许可 新办',
    nameEn: 'Public-place hygiene licence: new',
    certificateTypeCode: T.PUBLIC_HYGIENE,
    legalBasis: '《公共场所卫生管理条例实施细则》第二十二条',
    materials: [
      applicationForm('公共场所卫生许可申请表'),
      businessLicence,
      floorPlan,
      material('hygiene-rules', '卫生管理制度', 'Hygiene management rules', lib('hygiene-rules')),
    ],
  },
  {
    code: 'publications-new',
    version: 1,
    nameZh: '出版物零售单位设立 新办',
    nameEn: 'Publications retail: new',
    certificateTypeCode: T.PUBLICATIONS,
    legalBasis: '《出版物市场管理规定》第十条',
    materials: [applicationForm('出版物零售单位设立申请表'), businessLicence, premisesProof],
  },
  {
    code: 'drug-business-new',
    version: 1,
    nameZh: '药品经营许可（零售）新办',
    nameEn: 'Drug retail licence: new',
    certificateTypeCode: T.DRUG_BUSINESS,
    legalBasis: '《药品经营和使用质量监督管理办法》第十二条',
    materials: [
      applicationForm('药品经营许可证申请表'),
      businessLicence,
      floorPlan,
      premisesProof,
      material('staff-qualifications', '执业药师资格证明', 'Licensed pharmacist', lib('staff-qualifications')),
    ],
  },
  {
    code: 'film-screening-new',
    version: 1,
    nameZh: '电影放映经营许可 新办',
    nameEn: 'Film screening licence: new',
    certificateTypeCode: T.FILM_SCREENING,
    legalBasis: '《电影产业促进法》第二十四条',
    materials: [
      applicationForm('电影放映经营许可申请表'),
      businessLicence,
      material('screening-equipment', '放映设备清单', 'Screening equipment', lib('screening-equipment')),
      material('fire-safety-check', '消防安全检查合格证明', 'Fire safety inspection', lib('fire-safety-check')),
      noMajorSafetyViolation,
    ],
  },
  {
    code: 'internet-cafe-new',
    version: 1,
    nameZh: '网络文化经营许可（上网服务营业场所）新办',
    nameEn: 'Internet café licence: new',
    certificateTypeCode: T.INTERNET_CAFE,
    legalBasis: '《互联网上网服务营业场所管理条例》第十一条',
    materials: [
      applicationForm('上网服务营业场所经营许可申请表'),
      businessLicence,
      floorPlan,
      material('fire-safety-check', '消防安全检查合格证明', 'Fire safety inspection', lib('fire-safety-check')),
      noMajorSafetyViolation,
    ],
  },
];

/** The 一业一证 industries (the certificate service's INDUSTRIES: code, names, required component types). */
const INDUSTRIES: readonly { code: string; nameZh: string; nameEn: string; required: readonly string[] }[] = [
  { code: 'convenience-store', nameZh: '便利店（超市）', nameEn: 'Convenience store', required: [T.FOOD_BUSINESS] },
  { code: 'bookstore', nameZh: '书店', nameEn: 'Bookstore', required: [T.PUBLICATIONS] },
  { code: 'bakery', nameZh: '面包店（烘焙房）', nameEn: 'Bakery', required: [T.FOOD_BUSINESS] },
  { code: 'cafe', nameZh: '咖啡店', nameEn: 'Café', required: [T.FOOD_BUSINESS] },
  {
    code: 'cinema',
    nameZh: '电影院',
    nameEn: 'Cinema',
    required: [T.FILM_SCREENING, T.PUBLIC_HYGIENE],
  },
  { code: 'internet-cafe', nameZh: '互联网上网服务营业场所', nameEn: 'Internet café', required: [T.INTERNET_CAFE] },
];

const COMPONENT_NAMES: Record<string, [string, string, string]> = {
  [T.FOOD_BUSINESS]: ['food-business-licence', '食品经营许可证', 'Food business licence'],
  [T.PUBLICATIONS]: ['publications-licence', '出版物经营许可证', 'Publications licence'],
  [T.FILM_SCREENING]: ['film-screening-licence', '电影放映经营许可证', 'Film screening licence'],
  [T.PUBLIC_HYGIENE]: ['public-hygiene-licence', '公共场所卫生许可证', 'Public-place hygiene licence'],
  [T.INTERNET_CAFE]: ['internet-cafe-licence', '网络文化经营许可证', 'Internet café licence'],
};

/**
 * One 行业综合许可 item per industry: the business licence, each required component permit (replaced by the
 * certificate when the applicant holds it), the floor plan and the proof of premises from the library.
 */
const INDUSTRY_ITEMS: LicensingItem[] = INDUSTRIES.map((industry) => ({
  code: `industry-${industry.code}`,
  version: 1,
  nameZh: `${industry.nameZh} 行业综合许可`,
  nameEn: `${industry.nameEn}: industry licence`,
  certificateTypeCode: T.INDUSTRY_LICENCE,
  industryCode: industry.code,
  legalBasis: '《上海市人民政府印发〈关于在全市范围推广实施"一业一证"改革的指导意见〉的通知》（沪府规〔2021〕5号）',
  materials: [
    applicationForm('行业综合许可申请表'),
    businessLicence,
    ...industry.required.map((typeCode) => {
      const [code, nameZh, nameEn] = COMPONENT_NAMES[typeCode]!;
      return material(code, nameZh, nameEn, cert(typeCode));
    }),
    floorPlan,
    premisesProof,
  ],
}));

/**
 * Checks an item: a code and names, a positive version, unique material codes, library sources of known types.
 * @throws AppError INTERNAL naming the problem (the seeds are code: a bad one is a bug).
 */
export function checkItem(item: LicensingItem, types: readonly MaterialType[] = MATERIAL_TYPES): LicensingItem {
  const problems: string[] = [];
  if (!/^[a-z0-9-]{1,64}$/.test(item.code)) problems.push(`code ${item.code}`);
  if (!Number.isInteger(item.version) || item.version < 1) problems.push('version');
  const codes = new Set<string>();
  for (const m of item.materials) {
    if (codes.has(m.code)) problems.push(`material ${m.code} twice`);
    codes.add(m.code);
    for (const s of m.sources) {
      if (s.kind === 'library' && !types.some((t) => t.code === s.materialType))
        problems.push(`material ${m.code}: unknown material type ${s.materialType}`);
    }
  }
  if (item.materials.length === 0) problems.push('no materials');
  if (problems.length > 0) throw new AppError('INTERNAL', `item ${item.code}: ${problems.join('; ')}`);
  return Object.freeze(item);
}

/** The seeded items: one 新办 item per licence type, one industry licence item per 一业一证 industry. */
export const SEEDED_ITEMS: readonly LicensingItem[] = Object.freeze(
  [...LICENCE_ITEMS, ...INDUSTRY_ITEMS].map((i) => checkItem(i)),
);

/** The material type with this code. @throws AppError MATERIALS_TYPE_UNKNOWN naming `field`. */
export function requireMaterialType(code: string, field = 'material_type'): MaterialType {
  const type = MATERIAL_TYPES.find((t) => t.code === code);
  if (type) return type;
  throw new AppError('MATERIALS_TYPE_UNKNOWN', `no material type ${code} in the catalogue`, {
    details: { fields: [{ field, reason: 'MATERIALS_TYPE_UNKNOWN', description: 'a material type of the catalogue' }] },
  });
}

/** The error of an item that is not in the catalogue (or not at the version asked). */
export function unknownItem(code: string, version?: number): AppError {
  return new AppError('MATERIALS_ITEM_UNKNOWN', `no item ${code}${version ? ` at version ${version}` : ''}`, {
    details: {
      fields: [{ field: 'item_code', reason: 'MATERIALS_ITEM_UNKNOWN', description: 'an item of the catalogue' }],
    },
  });
}
