import * as directory from '@onceonly/directory';

/**
 * The departments of the seeded catalogue, from the shared directory (libs/directory): the providers and requesters
 * Putuo's 2019 plan names for its assistance items (item 61), and the district's administrative service centre as
 * the coordinator (the common superior's delegate that decides disputes and sees every request).
 */
export type AssistanceDepartment = Pick<directory.Body, 'code' | 'nameZh' | 'nameEn'>;

export const {
  CIVIL_AFFAIRS,
  HUMAN_RESOURCES,
  JUSTICE,
  DISABLED_FEDERATION,
  PLANNING,
  CONSTRUCTION,
  EMERGENCY,
  URBAN_MANAGEMENT,
} = directory;
/** 上海市普陀区行政服务中心: the coordinator (the certificate service's district service centre). */
export const COORDINATOR: AssistanceDepartment = directory.SERVICE_CENTRE;

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
