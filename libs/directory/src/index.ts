/**
 * @onceonly/directory: the bodies of the demo district (Putuo, 310107) that the services know, one list for all of
 * them: the licensing departments of the certificate service, the providers and requesters of the assistance
 * catalogue (Putuo's 2019 plan, item 61), the district's administrative service centre (industry licences; the
 * coordinator of assistance), a delivery marketplace and the city's 一网通办 portal. Each service adds what it alone
 * needs (the certificate service a department's kind and seal). Codes are illustrative, with valid check characters
 * (GB 32100-2015), in one series so that no two services name one body with two codes.
 */
import { computeUsccCheck, type Uscc } from '@onceonly/ids';

/** The role a body has at the hub; it becomes the OU of its client certificate. */
export type BodyRole = 'department' | 'platform' | 'portal';

/** A body known to the hub. */
export interface Body {
  /** Unified social credit code. */
  readonly code: Uscc;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly role: BodyRole;
  /** Administrative division code (GB/T 2260) of its jurisdiction. */
  readonly division: string;
}

function body(first17: string, nameZh: string, nameEn: string, role: BodyRole = 'department', division = '310107') {
  return Object.freeze({ code: `${first17}${computeUsccCheck(first17)}` as Uscc, nameZh, nameEn, role, division });
}

/** 上海市普陀区市场监督管理局: business, food, liquor and drug licences. */
export const MARKET_REGULATION = body(
  '11310107MB2F03587',
  '上海市普陀区市场监督管理局',
  'Putuo District Administration for Market Regulation',
);
/** 上海市普陀区卫生健康委员会: public-place hygiene licences. */
export const HEALTH = body('11310107MB2F01231', '上海市普陀区卫生健康委员会', 'Putuo District Health Commission');
/** 上海市普陀区文化和旅游局: publications, film screening and internet café licences. */
export const CULTURE_TOURISM = body(
  '11310107MB2F04811',
  '上海市普陀区文化和旅游局',
  'Putuo District Culture and Tourism Bureau',
);
/** 上海市普陀区行政服务中心 (a public institution, category 12): industry licences; coordinator of assistance. */
export const SERVICE_CENTRE = body(
  '12310107MB2F05636',
  '上海市普陀区行政服务中心',
  'Putuo District Administrative Service Centre',
);
export const CIVIL_AFFAIRS = body('11310107MB2F10010', '上海市普陀区民政局', 'Putuo District Civil Affairs Bureau');
export const HUMAN_RESOURCES = body(
  '11310107MB2F10028',
  '上海市普陀区人力资源和社会保障局',
  'Putuo District Human Resources and Social Security Bureau',
);
export const JUSTICE = body('11310107MB2F10036', '上海市普陀区司法局', 'Putuo District Justice Bureau');
export const DISABLED_FEDERATION = body(
  '51310107MB2F10044',
  '上海市普陀区残疾人联合会',
  "Putuo District Disabled Persons' Federation",
);
export const PLANNING = body(
  '11310107MB2F10052',
  '上海市普陀区规划和自然资源局',
  'Putuo District Planning and Natural Resources Bureau',
);
export const CONSTRUCTION = body(
  '11310107MB2F10060',
  '上海市普陀区建设和管理委员会',
  'Putuo District Construction and Management Commission',
);
export const EMERGENCY = body(
  '11310107MB2F10079',
  '上海市普陀区应急管理局',
  'Putuo District Emergency Management Bureau',
);
export const URBAN_MANAGEMENT = body(
  '11310107MB2F10087',
  '上海市普陀区城市管理行政执法局',
  'Putuo District Urban Management and Law Enforcement Bureau',
);
/** A delivery marketplace that checks its merchants' licences (fictitious). */
export const DEMO_PLATFORM = body(
  '91310107MA1G8K2D3',
  '上海同城即送网络科技有限公司（演示）',
  'Tongcheng Express Delivery Marketplace (demo)',
  'platform',
);
/** The 一网通办 portal, which records holders' consents on their behalf (city level). */
export const DEMO_PORTAL = body(
  '12310000MB2F09912',
  '上海市“一网通办”总门户（演示）',
  'Shanghai One-Stop Government Services Portal (demo)',
  'portal',
  '310000',
);

/** Every body of the directory. */
export const DIRECTORY: readonly Body[] = Object.freeze([
  MARKET_REGULATION,
  HEALTH,
  CULTURE_TOURISM,
  SERVICE_CENTRE,
  CIVIL_AFFAIRS,
  HUMAN_RESOURCES,
  JUSTICE,
  DISABLED_FEDERATION,
  PLANNING,
  CONSTRUCTION,
  EMERGENCY,
  URBAN_MANAGEMENT,
  DEMO_PLATFORM,
  DEMO_PORTAL,
]);

const byCode = new Map<string, Body>(DIRECTORY.map((b) => [b.code, b]));

/** The body with this credit code, if the directory holds it. */
export function bodyOf(code: string): Body | undefined {
  return byCode.get(code);
}
