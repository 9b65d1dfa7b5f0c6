import { type CitizenId, computeCitizenIdCheck, computeUsccCheck, hashCitizenId } from '@onceonly/ids';
import { findType, TYPE_CODES } from '../src/domain/catalogue.js';
import type { CertificateState } from '../src/domain/certificate.js';
import { PUTUO_MARKET_REGULATION } from '../src/domain/departments.js';
import { type Holder, holderOf } from '../src/domain/holder.js';
import { issueCertificate } from '../src/domain/issue.js';

/** 2025-03-10 10:00 in Shanghai. */
export const NOW = new Date('2025-03-10T02:00:00Z');
export const TODAY = '2025-03-10';

/** A test key for the keyed hash of citizen IDs. */
export const HASH_KEY = 'test-key-of-at-least-16-bytes!!';
export const hasher = (id: CitizenId) => hashCitizenId(id, HASH_KEY);

/** A valid citizen ID (Putuo, born 1990-03-07). */
export const CITIZEN_ID = `31010719900307123${computeCitizenIdCheck('31010719900307123')}`;
/** A restaurant's credit code. */
export const ENTERPRISE_CODE = `91310107MA1H2B3C4${computeUsccCheck('91310107MA1H2B3C4')}`;
/** Another enterprise's. */
export const OTHER_ENTERPRISE_CODE = `91310107MA1J5K6L7${computeUsccCheck('91310107MA1J5K6L7')}`;

export const MARKET = { departmentCode: PUTUO_MARKET_REGULATION.code };

export function enterprise(code = ENTERPRISE_CODE, name = '上海普陀小笼包餐饮有限公司'): Holder {
  return holderOf({ code, codeType: '001', name }, hasher, NOW);
}

export function person(name = '张小明'): Holder {
  return holderOf({ code: CITIZEN_ID, codeType: '111', name }, hasher, NOW);
}

export const FOOD_FIELDS = {
  legal_representative: '王芳',
  premises: '上海市普陀区长寿路100号1层',
  main_format: '餐饮服务经营者',
  business_items: '热食类食品制售；冷食类食品制售；自制饮品制售',
};

export function type(code: string) {
  const found = findType(code);
  if (!found) throw new Error(`no type ${code}`);
  return found;
}

export const FOOD = type(TYPE_CODES.FOOD_BUSINESS);

let counter = 0;
/** A fresh id. */
export function newId(prefix = 'cert'): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A valid food business licence issued at NOW by Putuo market regulation. */
export function foodLicence(holder: Holder = enterprise(), now = NOW): CertificateState {
  return issueCertificate(
    { actor: MARKET, issuer: PUTUO_MARKET_REGULATION, type: FOOD, holder, fields: FOOD_FIELDS },
    { id: newId(), now, sequence: 42 },
  ).certificate;
}

/** An instant `days` days after NOW. */
export function daysLater(days: number, from = NOW): Date {
  return new Date(from.getTime() + days * 86_400_000);
}

/** Runs `call` and returns what it threw (fails the test when it throws nothing). */
export function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}
