import * as directory from '@onceonly/directory';
import { AppError } from '@onceonly/errors';
import type { Uscc } from '@onceonly/ids';
import type { DepartmentKind } from './catalogue.js';

/**
 * The demo departments that `onceonly start` seeds in embedded mode, from the shared directory (libs/directory):
 * the issuer of every seeded type (Putuo district, 310107), the district service centre (which issues 行业综合许可证
 * under its 行业综合许可专用章), one platform (a delivery marketplace) and one portal (一网通办). This service adds
 * what it alone needs: each body's kind and its seal.
 */

/** The role a department has at the hub; it becomes the OU of its client certificate. */
export type DepartmentRole = directory.BodyRole;

/** The kind of seal a department seals certificates with. */
export type SealUse = 'licensing' | 'industry-licence';

/** A body known to the hub. */
export interface Department {
  readonly code: Uscc;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly kind: DepartmentKind;
  readonly role: DepartmentRole;
  /** Administrative division code: the default division of what it issues. */
  readonly division: string;
  /** The seal it signs certificates with; undefined for platforms and portals. */
  readonly seal?: { readonly nameZh: string; readonly use: SealUse };
}

function department(body: directory.Body, kind: DepartmentKind, seal?: SealUse): Department {
  const sealName = seal === 'industry-licence' ? '上海市普陀区行业综合许可专用章' : `${body.nameZh}行政许可专用章`;
  return Object.freeze({
    ...body,
    kind,
    ...(seal === undefined ? {} : { seal: Object.freeze({ nameZh: sealName, use: seal }) }),
  });
}

/** 上海市普陀区市场监督管理局: business, food, liquor and drug licences. */
export const PUTUO_MARKET_REGULATION = department(directory.MARKET_REGULATION, 'market-regulation', 'licensing');

/** 上海市普陀区卫生健康委员会: public-place hygiene licences. */
export const PUTUO_HEALTH = department(directory.HEALTH, 'health', 'licensing');

/** 上海市普陀区文化和旅游局: publications, film screening and internet café licences. */
export const PUTUO_CULTURE_TOURISM = department(directory.CULTURE_TOURISM, 'culture-tourism', 'licensing');

/** 上海市普陀区行政服务中心 (a public institution, category 12): industry licences. */
export const PUTUO_SERVICE_CENTRE = department(directory.SERVICE_CENTRE, 'service-centre', 'industry-licence');

/** A delivery marketplace that checks its merchants' licences (fictitious). */
export const DEMO_PLATFORM: Department = department(directory.DEMO_PLATFORM, 'platform');

/** The 一网通办 portal, which records holders' consents on their behalf (city level). */
export const DEMO_PORTAL: Department = department(directory.DEMO_PORTAL, 'portal');

/** Every demo department. */
export const DEMO_DEPARTMENTS: readonly Department[] = Object.freeze([
  PUTUO_MARKET_REGULATION,
  PUTUO_HEALTH,
  PUTUO_CULTURE_TOURISM,
  PUTUO_SERVICE_CENTRE,
  DEMO_PLATFORM,
  DEMO_PORTAL,
]);

/** The departments (of a list) that issue a kind of certificate type. */
export function issuersOfKind(kind: DepartmentKind, departments: readonly Department[] = DEMO_DEPARTMENTS) {
  return departments.filter((d) => d.role === 'department' && d.kind === kind);
}

/**
 * Checks that a department may issue a type: a department (not a platform or portal) of the type's issuing kind.
 * @throws AppError CERT_TYPE_NOT_AUTHORISED.
 */
export function assertMayIssue(department: Department, type: { issuerKind: DepartmentKind; nameEn: string }): void {
  if (department.role === 'department' && department.kind === type.issuerKind) return;
  throw new AppError('CERT_TYPE_NOT_AUTHORISED', `a ${department.kind} body may not issue a ${type.nameEn}`, {
    details: { meta: { departmentKind: department.kind, issuerKind: type.issuerKind } },
  });
}

/**
 * The divisions a department's own division covers (GB/T 2260 is hierarchical): a province (`310000`) covers every
 * code starting with its two digits, a city (`310100`) every code starting with its four, a district (`310107`)
 * itself alone.
 */
export function divisionCovers(own: string, division: string): boolean {
  const prefix = own.replace(/(00)+$/, '');
  return prefix.length > 0 && division.startsWith(prefix);
}

/**
 * Checks that a department issues within its jurisdiction: Putuo's market regulator does not issue under
 * Dongcheng's division code (`110101`). The division is the one the certificate would carry (already validated).
 * @throws AppError CERT_OUTSIDE_JURISDICTION (PERMISSION_DENIED), naming the field `division`.
 */
export function assertWithinJurisdiction(department: Department, division: string): void {
  if (divisionCovers(department.division, division)) return;
  throw new AppError('CERT_OUTSIDE_JURISDICTION', `division ${division} is outside the issuer's jurisdiction`, {
    details: {
      fields: [{ field: 'division', reason: 'OUTSIDE_JURISDICTION', description: 'outside the issuer’s jurisdiction' }],
      meta: { issuerDivision: department.division, division },
    },
  });
}
