import { computeUsccCheck, type Uscc } from '@onceonly/ids';

/**
 * The departments of the seeded catalogue: the providers and requesters Putuo's 2019 plan names for its assistance
 * items (item 61), and the district's administrative service centre as the coordinator (the common superior's
 * delegate that decides disputes and sees every request). Codes are illustrative, with valid check characters, in
 * the same series as the certificate service's demo departments; a department directory shared by the services is
 * still to come (each service keeps its own list until then).
 */
export interface AssistanceDepartment {
  readonly code: Uscc;
  readonly nameZh: string;
  readonly nameEn: string;
}

function department(first17: string, nameZh: string, nameEn: string): AssistanceDepartment {
  return Object.freeze({ code: `${first17}${computeUsccCheck(first17)}` as Uscc, nameZh, nameEn });
}

export const CIVIL_AFFAIRS = department(
  '11310107MB2F10010',
  '上海市普陀区民政局',
  'Putuo District Civil Affairs Bureau',
);
export const HUMAN_RESOURCES = department(
  '11310107MB2F10028',
  '上海市普陀区人力资源和社会保障局',
  'Putuo District Human Resources and Social Security Bureau',
);
export const JUSTICE = department('11310107MB2F10036', '上海市普陀区司法局', 'Putuo District Justice Bureau');
export const DISABLED_FEDERATION = department(
  '51310107MB2F10044',
  '上海市普陀区残疾人联合会',
  "Putuo District Disabled Persons' Federation",
);
export const PLANNING = department(
  '11310107MB2F10052',
  '上海市普陀区规划和自然资源局',
  'Putuo District Planning and Natural Resources Bureau',
);
export const CONSTRUCTION = department(
  '11310107MB2F10060',
  '上海市普陀区建设和管理委员会',
  'Putuo District Construction and Management Commission',
);
export const EMERGENCY = department(
  '11310107MB2F10079',
  '上海市普陀区应急管理局',
  'Putuo District Emergency Management Bureau',
);
export const URBAN_MANAGEMENT = department(
  '11310107MB2F10087',
  '上海市普陀区城市管理行政执法局',
  'Putuo District Urban Management and Law Enforcement Bureau',
);
/** 上海市普陀区行政服务中心: the coordinator (the certificate service's district service centre). */
export const COORDINATOR = department(
  '12310107MB2F05636',
  '上海市普陀区行政服务中心',
  'Putuo District Administrative Service Centre',
);

/** Every department of the seeded catalogue, the coordinator last. */
export const ASSISTANCE_DEPARTMENTS: readonly AssistanceDepartment[] = Object.freeze([
  CIVIL_AFFAIRS,
  HUMAN_RESOURCES,
  JUSTICE,
  DISABLED_FEDERATION,
  PLANNING,
  CONSTRUCTION,
  EMERGENCY,
  URBAN_MANAGEMENT,
  COORDINATOR,
]);
