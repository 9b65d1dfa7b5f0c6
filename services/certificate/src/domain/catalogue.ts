import { AppError } from '@onceonly/errors';
import type { FieldKind, FieldSpec } from '@onceonly/fields';
import { computeUsccCheck, type HolderCodeType, type Uscc } from '@onceonly/ids';

/**
 * The catalogue of certificate types (证照目录): type code, names, issuing department kind, the schema of the face
 * (照面信息), default validity and numbering. Seeded with the types DOMAIN.md names; industries are in
 * `industries.ts`, demo departments in `departments.ts`.
 */

/** The schema of a face: the fields library's (shared with the assistance service's request and answer schemas). */
export type { FieldKind, FieldSpec } from '@onceonly/fields';

/** The kind of body a department is; a certificate type names the kind that issues it. */
export type DepartmentKind =
  | 'market-regulation'
  | 'health'
  | 'culture-tourism'
  | 'service-centre'
  | 'platform'
  | 'portal';

/** How the default end of validity is set. */
export type ValidityRule =
  | { readonly kind: 'years'; readonly years: number }
  | { readonly kind: 'long-term' }
  /** The earliest end of the bundled permits (行业综合许可证). */
  | { readonly kind: 'components' };

/** How licence numbers are made: the holder's credit code (营业执照) or a prefix + division + year + sequence. */
export type Numbering = { readonly kind: 'holder-code' } | { readonly kind: 'prefix'; readonly prefix: string };

/** One entry of the catalogue. */
export interface CertificateType {
  /** The defining body's 18-character credit code + a 3-digit sequence. */
  readonly typeCode: string;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly issuerKind: DepartmentKind;
  readonly fields: readonly FieldSpec[];
  readonly validity: ValidityRule;
  readonly numbering: Numbering;
  /** Holder code types that may hold it: `001` organisations, `111` natural persons. */
  readonly holderTypes: readonly HolderCodeType[];
}

function withCheck(first17: string): Uscc {
  return `${first17}${computeUsccCheck(first17)}` as Uscc;
}

/**
 * Credit codes of the bodies that define the seeded types. SAMR's is the one of the DOMAIN.md example; the others
 * are illustrative (real-looking, valid check characters): replace them with the national catalogue's codes when
 * integrating with the national platform.
 */
export const DEFINING_BODIES = {
  /** 国家市场监督管理总局 */
  SAMR: withCheck('11100000000013338'),
  /** 国家卫生健康委员会 */
  NHC: withCheck('11100000MB1653242'),
  /** 国家药品监督管理局 */
  NMPA: withCheck('11100000MB0341266'),
  /** 国家新闻出版署 */
  NPPA: withCheck('11100000MB0196934'),
  /** 国家电影局 */
  CFA: withCheck('11100000MB0196942'),
  /** 文化和旅游部 */
  MCT: withCheck('11100000MB1678082'),
  /** 上海市人民政府办公厅 (defines the Shanghai 行业综合许可证) */
  SHANGHAI: withCheck('11310000002418329'),
} as const;

/** Type codes of the seeded types. */
export const TYPE_CODES = {
  BUSINESS_LICENCE: `${DEFINING_BODIES.SAMR}001`,
  FOOD_BUSINESS: `${DEFINING_BODIES.SAMR}002`,
  LIQUOR_RETAIL: `${DEFINING_BODIES.SAMR}003`,
  PUBLIC_HYGIENE: `${DEFINING_BODIES.NHC}001`,
  PUBLICATIONS: `${DEFINING_BODIES.NPPA}001`,
  DRUG_BUSINESS: `${DEFINING_BODIES.NMPA}001`,
  FILM_SCREENING: `${DEFINING_BODIES.CFA}001`,
  INTERNET_CAFE: `${DEFINING_BODIES.MCT}001`,
  INDUSTRY_LICENCE: `${DEFINING_BODIES.SHANGHAI}001`,
} as const;

type FieldOptions = Partial<Pick<FieldSpec, 'required' | 'maxLength' | 'pattern' | 'enumValues'>>;

function field(key: string, labelZh: string, labelEn: string, type: FieldKind, options: FieldOptions = {}): FieldSpec {
  return Object.freeze({ key, labelZh, labelEn, type, maxLength: 0, ...options, required: options.required ?? false });
}

const DECIMAL = '^[0-9]{1,7}(\\.[0-9]{1,2})?$';
const legalRepresentative = field('legal_representative', '法定代表人（负责人）', 'Legal representative', 'string', {
  required: true,
  maxLength: 50,
});
const premises = field('premises', '经营场所', 'Business premises', 'string', { required: true, maxLength: 200 });
const businessArea = field('business_area', '经营面积（平方米）', 'Floor area (m²)', 'string', { pattern: DECIMAL });

const BUSINESS_LICENCE: CertificateType = {
  typeCode: TYPE_CODES.BUSINESS_LICENCE,
  nameZh: '营业执照',
  nameEn: 'Business licence',
  issuerKind: 'market-regulation',
  fields: [
    field('entity_type', '类型', 'Type of entity', 'enum', {
      required: true,
      enumValues: ['有限责任公司', '股份有限公司', '个人独资企业', '合伙企业', '个体工商户', '农民专业合作社'],
    }),
    { ...legalRepresentative, labelZh: '法定代表人' },
    field('registered_capital', '注册资本', 'Registered capital', 'string', {
      maxLength: 40,
      pattern: '^[0-9]{1,12}(\\.[0-9]{1,6})?万元人民币$',
    }),
    field('established_on', '成立日期', 'Date of establishment', 'date', { required: true }),
    field('business_term_to', '营业期限至', 'Business term ends', 'date'),
    field('address', '住所', 'Domicile', 'string', { required: true, maxLength: 200 }),
    field('business_scope', '经营范围', 'Business scope', 'text', { required: true, maxLength: 4000 }),
  ],
  // 营业执照 have no end of validity; the business term (营业期限) is a face field.
  validity: { kind: 'long-term' },
  // The number of a business licence is the holder's unified social credit code.
  numbering: { kind: 'holder-code' },
  holderTypes: ['001'],
};

const FOOD_BUSINESS: CertificateType = {
  typeCode: TYPE_CODES.FOOD_BUSINESS,
  nameZh: '食品经营许可证',
  nameEn: 'Food business licence',
  issuerKind: 'market-regulation',
  fields: [
    legalRepresentative,
    field('address', '住所', 'Domicile', 'string', { maxLength: 200 }),
    premises,
    field('main_format', '主体业态', 'Main format', 'enum', {
      required: true,
      enumValues: ['食品销售经营者', '餐饮服务经营者', '单位食堂'],
    }),
    field('business_items', '经营项目', 'Business items', 'text', { required: true, maxLength: 1000 }),
    field('supervising_authority', '日常监督管理机构', 'Supervising authority', 'string', { maxLength: 100 }),
    field('complaint_hotline', '投诉举报电话', 'Complaints hotline', 'string', { pattern: '^[0-9-]{5,20}$' }),
  ],
  validity: { kind: 'years', years: 5 },
  numbering: { kind: 'prefix', prefix: 'JY' },
  holderTypes: ['001', '111'],
};

// Shanghai folded the liquor monopoly bureau into market regulation: district 市场监管局 grant liquor retail.
const LIQUOR_RETAIL: CertificateType = {
  typeCode: TYPE_CODES.LIQUOR_RETAIL,
  nameZh: '酒类商品零售许可证',
  nameEn: 'Liquor retail licence',
  issuerKind: 'market-regulation',
  fields: [
    legalRepresentative,
    premises,
    businessArea,
    field('liquor_categories', '经营品种', 'Liquor categories', 'string', { maxLength: 200 }),
  ],
  validity: { kind: 'years', years: 3 },
  numbering: { kind: 'prefix', prefix: 'JL' },
  holderTypes: ['001', '111'],
};

const PUBLIC_HYGIENE: CertificateType = {
  typeCode: TYPE_CODES.PUBLIC_HYGIENE,
  nameZh: '公共场所卫生许可证',
  nameEn: 'Public place hygiene licence',
  issuerKind: 'health',
  fields: [
    legalRepresentative,
    { ...premises, labelZh: '地址', labelEn: 'Address' },
    field('venue_category', '场所类别', 'Venue category', 'enum', {
      required: true,
      enumValues: [
        '住宿场所',
        '沐浴场所',
        '美容美发场所',
        '影剧院',
        '游艺厅（室）',
        '歌舞厅',
        '体育场（馆）',
        '游泳场（馆）',
        '展览馆',
        '商场（店）',
        '书店',
        '互联网上网服务营业场所',
      ],
    }),
    businessArea,
    field('licensed_items', '许可项目', 'Licensed items', 'text', { required: true, maxLength: 500 }),
  ],
  // Four years, as the public-place hygiene rules set it.
  validity: { kind: 'years', years: 4 },
  numbering: { kind: 'prefix', prefix: 'WS' },
  holderTypes: ['001', '111'],
};

const PUBLICATIONS: CertificateType = {
  typeCode: TYPE_CODES.PUBLICATIONS,
  nameZh: '出版物经营许可证',
  nameEn: 'Publications business licence',
  issuerKind: 'culture-tourism',
  fields: [
    legalRepresentative,
    premises,
    field('business_mode', '经营方式', 'Mode of business', 'enum', {
      required: true,
      enumValues: ['零售', '批发', '批发、零售'],
    }),
    field('business_scope', '经营范围', 'Business scope', 'text', { required: true, maxLength: 500 }),
  ],
  // Demo default; a department's catalogue entry overrides it.
  validity: { kind: 'years', years: 5 },
  numbering: { kind: 'prefix', prefix: 'CB' },
  holderTypes: ['001', '111'],
};

// District 市场监管局 in Shanghai grant retail drug licences (pharmacies); wholesale stays with the city.
const DRUG_BUSINESS: CertificateType = {
  typeCode: TYPE_CODES.DRUG_BUSINESS,
  nameZh: '药品经营许可证',
  nameEn: 'Drug business licence',
  issuerKind: 'market-regulation',
  fields: [
    legalRepresentative,
    field('responsible_person', '企业负责人', 'Person in charge', 'string', { required: true, maxLength: 50 }),
    field('quality_manager', '质量负责人', 'Quality manager', 'string', { required: true, maxLength: 50 }),
    field('address', '注册地址', 'Registered address', 'string', { required: true, maxLength: 200 }),
    field('warehouse', '仓库地址', 'Warehouse address', 'string', { maxLength: 200 }),
    field('business_mode', '经营方式', 'Mode of business', 'enum', {
      required: true,
      enumValues: ['零售', '零售（连锁）', '批发'],
    }),
    field('business_scope', '经营范围', 'Business scope', 'text', { required: true, maxLength: 1000 }),
    field('chain_headquarters_code', '连锁总部统一社会信用代码', 'Chain headquarters credit code', 'uscc'),
  ],
  validity: { kind: 'years', years: 5 },
  numbering: { kind: 'prefix', prefix: 'YP' },
  holderTypes: ['001'],
};

const FILM_SCREENING: CertificateType = {
  typeCode: TYPE_CODES.FILM_SCREENING,
  nameZh: '电影放映经营许可证',
  nameEn: 'Film screening licence',
  issuerKind: 'culture-tourism',
  fields: [
    legalRepresentative,
    premises,
    field('screens', '放映厅数', 'Screens', 'string', { required: true, pattern: '^[1-9][0-9]{0,2}$' }),
    field('seats', '座位数', 'Seats', 'string', { required: true, pattern: '^[1-9][0-9]{0,4}$' }),
  ],
  // Demo default; a department's catalogue entry overrides it.
  validity: { kind: 'years', years: 5 },
  numbering: { kind: 'prefix', prefix: 'DY' },
  holderTypes: ['001'],
};

const INTERNET_CAFE: CertificateType = {
  typeCode: TYPE_CODES.INTERNET_CAFE,
  nameZh: '互联网上网服务营业场所经营许可证',
  nameEn: 'Internet café licence',
  issuerKind: 'culture-tourism',
  fields: [
    legalRepresentative,
    premises,
    field('terminals', '计算机终端数', 'Computer terminals', 'string', {
      required: true,
      pattern: '^[1-9][0-9]{0,3}$',
    }),
    businessArea,
  ],
  // Demo default; a department's catalogue entry overrides it.
  validity: { kind: 'years', years: 5 },
  numbering: { kind: 'prefix', prefix: 'WB' },
  holderTypes: ['001'],
};

/** The industry names of `industries.ts`, as the enum of the industry licence's `industry` field. */
export const INDUSTRY_NAMES_ZH = [
  '便利店（超市）',
  '书店',
  '面包店（烘焙房）',
  '咖啡店',
  '电影院',
  '互联网上网服务营业场所',
];

// Issued by the district service centre under the 行业综合许可专用章 (Baoshan plan §二(五)); its validity ends with
// the earliest-ending component, so that it never claims more than the permits it bundles.
const INDUSTRY_LICENCE: CertificateType = {
  typeCode: TYPE_CODES.INDUSTRY_LICENCE,
  nameZh: '行业综合许可证',
  nameEn: 'Industry licence (one industry, one licence)',
  issuerKind: 'service-centre',
  fields: [
    field('industry', '行业类别', 'Industry', 'enum', { required: true, enumValues: INDUSTRY_NAMES_ZH }),
    legalRepresentative,
    premises,
    field('licence_items', '许可事项', 'Licensed items', 'text', { maxLength: 1000 }),
  ],
  validity: { kind: 'components' },
  numbering: { kind: 'prefix', prefix: 'HZ' },
  holderTypes: ['001', '111'],
};

/** Every seeded certificate type. */
export const CERTIFICATE_TYPES: readonly CertificateType[] = Object.freeze([
  BUSINESS_LICENCE,
  FOOD_BUSINESS,
  LIQUOR_RETAIL,
  PUBLIC_HYGIENE,
  PUBLICATIONS,
  DRUG_BUSINESS,
  FILM_SCREENING,
  INTERNET_CAFE,
  INDUSTRY_LICENCE,
]);

const BY_CODE = new Map(CERTIFICATE_TYPES.map((type) => [type.typeCode, type]));

/** The type with this code, or undefined. */
export function findType(typeCode: string): CertificateType | undefined {
  return BY_CODE.get(typeCode);
}

/**
 * The type with this code.
 * @throws AppError CERT_TYPE_UNKNOWN naming the field `type_code`.
 */
export function requireType(typeCode: string, field = 'type_code'): CertificateType {
  const type = findType(typeCode);
  if (type) return type;
  throw new AppError('CERT_TYPE_UNKNOWN', 'no certificate type with this code in the catalogue', {
    details: { fields: [{ field, reason: 'CERT_TYPE_UNKNOWN', description: 'not in the catalogue' }] },
  });
}
