/**
 * Licence lifecycle codes as the ministry interface numbers them (DOMAIN.md). The state and the events carry these
 * two-digit codes; the proto enums use the same numbers (LICENCE_STATUS_VALID = 1 for `01`).
 */

/** Licence states. */
export const LicenceStatus = {
  /** 01 有效 */
  VALID: '01',
  /** 02 暂扣 */
  SUSPENDED: '02',
  /** 03 撤销: withdrawn (the grant was unlawful, or its basis fell away). */
  WITHDRAWN: '03',
  /** 04 注销 */
  CANCELLED: '04',
  /** 05 失效: expired by time. */
  EXPIRED: '05',
  /** 06 转出 */
  TRANSFERRED_OUT: '06',
  /** 07 吊销: revoked as an administrative penalty. */
  REVOKED: '07',
  /** 99 其他: also the status of a version that a newer one superseded (see `supersededById`). */
  OTHER: '99',
} as const;

/** One of the licence state codes. */
export type LicenceStatus = (typeof LicenceStatus)[keyof typeof LicenceStatus];

/** Licence operations. */
export const LicenceOperation = {
  /** 01 新发 */
  ISSUE: '01',
  /** 02 延续 */
  RENEW: '02',
  /** 03 暂扣 */
  SUSPEND: '03',
  /** 04 过期失效 */
  EXPIRE: '04',
  /** 05 注销 */
  CANCEL: '05',
  /** 06 暂扣发还 */
  RESUME: '06',
  /** 07 其他: reissue (补证), withdraw (撤销), revoke (吊销), disputes; the national list has no code for them. */
  OTHER: '07',
  /** 08 转入 */
  TRANSFER_IN: '08',
  /** 09 变更: also a correction after a founded dispute. */
  CHANGE: '09',
  /** 10 取消转出 */
  CANCEL_TRANSFER: '10',
} as const;

/** One of the licence operation codes. */
export type LicenceOperation = (typeof LicenceOperation)[keyof typeof LicenceOperation];

/** Names of the states, for people (Chinese as in the interface, English for logs and docs). */
export const STATUS_NAMES: Readonly<Record<LicenceStatus, { zh: string; en: string }>> = {
  '01': { zh: '有效', en: 'valid' },
  '02': { zh: '暂扣', en: 'suspended' },
  '03': { zh: '撤销', en: 'withdrawn' },
  '04': { zh: '注销', en: 'cancelled' },
  '05': { zh: '失效', en: 'expired' },
  '06': { zh: '转出', en: 'transferred out' },
  '07': { zh: '吊销', en: 'revoked' },
  '99': { zh: '其他', en: 'other' },
};

/** States from which no operation leads back to valid. */
export const TERMINAL_STATUSES: readonly LicenceStatus[] = [
  LicenceStatus.WITHDRAWN,
  LicenceStatus.CANCELLED,
  LicenceStatus.TRANSFERRED_OUT,
  LicenceStatus.REVOKED,
  LicenceStatus.OTHER,
];
