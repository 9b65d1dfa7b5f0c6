import { AppError } from '@onceonly/errors';
import { TYPE_CODES } from './catalogue.js';

/**
 * Industries of 一业一证 and the permits each industry licence bundles. The industry licence integrates permits
 * (证), which follow the business licence (照): the 营业执照 is a precondition (its holder code is the link), not a
 * component. Required types must all be bundled; optional ones are bundled when the business holds them.
 */
export interface Industry {
  readonly code: string;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly requiredTypeCodes: readonly string[];
  readonly optionalTypeCodes: readonly string[];
  /** Why these components. */
  readonly note: string;
}

const T = TYPE_CODES;

/** The six industries the Baoshan plan started with, in Putuo's reading. */
export const INDUSTRIES: readonly Industry[] = Object.freeze([
  {
    code: 'convenience-store',
    nameZh: '便利店（超市）',
    nameEn: 'Convenience store / supermarket',
    requiredTypeCodes: [T.FOOD_BUSINESS],
    optionalTypeCodes: [T.LIQUOR_RETAIL, T.PUBLICATIONS],
    note: 'Sells pre-packaged food (食品经营); liquor retail and newspapers/magazines only when it sells them.',
  },
  {
    code: 'bookstore',
    nameZh: '书店',
    nameEn: 'Bookstore',
    requiredTypeCodes: [T.PUBLICATIONS],
    optionalTypeCodes: [T.FOOD_BUSINESS],
    note: 'Publications retail (出版物经营); food business when it runs a reading café.',
  },
  {
    code: 'bakery',
    nameZh: '面包店（烘焙房）',
    nameEn: 'Bakery',
    requiredTypeCodes: [T.FOOD_BUSINESS],
    optionalTypeCodes: [],
    note: 'Bread and pastry made and sold on site (现制现售) fall under the food business licence.',
  },
  {
    code: 'cafe',
    nameZh: '咖啡店',
    nameEn: 'Café',
    requiredTypeCodes: [T.FOOD_BUSINESS],
    optionalTypeCodes: [T.LIQUOR_RETAIL],
    note:
      'Catering (餐饮服务) under the food business licence; the State Council lifted the public-place hygiene ' +
      'licence for cafés in 2016 (国发〔2016〕12号), so it is not a component; liquor when it sells alcohol.',
  },
  {
    code: 'cinema',
    nameZh: '电影院',
    nameEn: 'Cinema',
    requiredTypeCodes: [T.FILM_SCREENING, T.PUBLIC_HYGIENE],
    optionalTypeCodes: [T.FOOD_BUSINESS, T.LIQUOR_RETAIL],
    note:
      'Film screening licence, and the hygiene licence of a public place (影剧院); food and liquor for a snack ' +
      'bar that sells them.',
  },
  {
    code: 'internet-cafe',
    nameZh: '互联网上网服务营业场所',
    nameEn: 'Internet café',
    requiredTypeCodes: [T.INTERNET_CAFE],
    optionalTypeCodes: [T.PUBLIC_HYGIENE, T.FOOD_BUSINESS],
    note:
      'The internet café licence (a priority industry of the Baoshan plan); the hygiene licence where the ' +
      'district lists it as a public place, food business when it sells food.',
  },
] satisfies Industry[]);

const BY_CODE = new Map(INDUSTRIES.map((industry) => [industry.code, industry]));

/**
 * The industry with this code.
 * @throws AppError INDUSTRY_UNKNOWN naming the field `industry_code`.
 */
export function requireIndustry(code: string): Industry {
  const industry = BY_CODE.get(code);
  if (industry) return industry;
  throw new AppError('INDUSTRY_UNKNOWN', 'no industry with this code in the catalogue', {
    details: { fields: [{ field: 'industry_code', reason: 'INDUSTRY_UNKNOWN', description: 'not an industry' }] },
  });
}

/** Every type an industry licence of this industry may bundle. */
export function componentTypesOf(industry: Industry): readonly string[] {
  return [...industry.requiredTypeCodes, ...industry.optionalTypeCodes];
}
