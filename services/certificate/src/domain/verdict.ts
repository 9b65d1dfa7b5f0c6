import { findType } from './catalogue.js';
import type { CertificateState } from './certificate.js';
import type { IndustryView } from './industry.js';
import { LicenceStatus } from './lifecycle-codes.js';
import { recordReasons, type VerificationReason, WARNING_REASONS } from './verification.js';

/**
 * The two answers of a verification (issue 15 item 7, ADR 033), so that a platform cannot read a suspended permit as
 * leave to trade:
 *
 * - **genuine**: the document is authentic: its seal verifies (signature, chain, key, seal not revoked or expired at
 *   the sealing time), the sealing department is the issuer it names, and (online) it is the hub's record;
 * - **mayOperate**: the holder may operate under it today: it is genuine, the licence is in force (valid status,
 *   within its dates, not superseded) and, for an industry licence, every **required** component is valid. An
 *   optional component that is not valid is a warning (that activity only); so is an open dispute.
 *
 * Each answer comes with its findings, which `findingWords` says in Chinese and English. Offline, a live status
 * that was not read from a status list (`STATUS_UNCHECKED`) or components that cannot be checked there
 * (`COMPONENTS_UNCHECKED`) leave mayOperate false: it is answered yes only when it was established.
 */

/** Reasons that say the document is not authentic (the seal, the chain, the record, the trust list). */
export const GENUINENESS_REASONS: readonly VerificationReason[] = [
  'MALFORMED',
  'SIGNATURE_INVALID',
  'CHAIN_UNTRUSTED',
  'KID_UNKNOWN',
  'SEAL_REVOKED',
  'SEAL_EXPIRED',
  'ISSUER_MISMATCH',
  'NOT_FOUND',
  'RECORD_MISMATCH',
  'TYP_MISMATCH',
  'KID_MISMATCH',
  'KEY_USAGE',
  'SEAL_NOT_YET_VALID',
  'ISSUED_IN_FUTURE',
  'TRUST_LIST_STALE',
  'TRUST_LIST_MISSING',
];

/**
 * Reasons that leave mayOperate unestablished (offline) without being found against the licence: the deprecated
 * `valid` does not count them, as it did not before they existed.
 */
export const UNCHECKED_REASONS: readonly VerificationReason[] = ['STATUS_UNCHECKED', 'COMPONENTS_UNCHECKED'];

/** The component of an industry licence a finding is about. */
export interface ComponentFact {
  readonly typeCode: string;
  readonly typeName: string;
  readonly status: LicenceStatus;
}

/** One reason of an answer. */
export interface Finding {
  readonly code: VerificationReason;
  /** True when it does not change the answer (a dispute, an optional component, a stale trust list). */
  readonly warning: boolean;
  readonly component?: ComponentFact;
}

/** The two answers, and the deprecated single one. */
export interface Verdict {
  readonly genuine: boolean;
  readonly genuineFindings: readonly Finding[];
  readonly mayOperate: boolean;
  readonly operationFindings: readonly Finding[];
  /**
   * Deprecated (ADR 033): no reason but warnings and unchecked parts. Online it equals `genuine && mayOperate`;
   * offline it stays true when the live status was not checked, as it always did.
   */
  readonly valid: boolean;
  /** Every code found, once each, in the order found (the response's `reasons`). */
  readonly reasons: readonly VerificationReason[];
}

/** What the components of an industry licence add: each one not valid, required or not. */
export function componentFindings(industry: IndustryView | undefined): Finding[] {
  return (industry?.components ?? [])
    .filter((c) => c.status !== LicenceStatus.VALID)
    .map((c) => ({
      code: c.required ? 'REQUIRED_COMPONENT_NOT_VALID' : 'COMPONENT_NOT_VALID',
      warning: !c.required,
      component: { typeCode: c.typeCode, typeName: c.typeName, status: c.status },
    }));
}

/** What a verification found. */
export interface VerdictInput {
  /** The codes found about the seal, the record and the licence itself (not its components). */
  readonly reasons: readonly VerificationReason[];
  /** From {@link componentFindings}. */
  readonly components?: readonly Finding[];
  /** Trust-list problems that were only warned about (offline, without refusing stale lists). */
  readonly warnings?: readonly VerificationReason[];
}

const isGenuineness = (code: VerificationReason) => GENUINENESS_REASONS.includes(code);

/** The two answers from what a verification found. */
export function verdictOf(input: VerdictInput): Verdict {
  const components = input.components ?? [];
  const found = [...new Set(input.reasons)];
  const genuineFindings: Finding[] = [
    ...found.filter(isGenuineness).map((code) => ({ code, warning: false })),
    ...(input.warnings ?? []).map((code) => ({ code, warning: true })),
  ];
  const genuine = genuineFindings.every((f) => f.warning);
  const own = found
    .filter((code) => !isGenuineness(code))
    .map((code) => ({ code, warning: WARNING_REASONS.includes(code) }));
  const operationFindings: Finding[] = [
    ...(genuine ? [] : [{ code: 'NOT_GENUINE' as const, warning: false }]),
    ...own,
    ...components,
  ];
  const reasons = [...new Set([...found, ...components.map((c) => c.code)])];
  const valid = reasons.every((code) => WARNING_REASONS.includes(code) || UNCHECKED_REASONS.includes(code));
  return {
    genuine,
    genuineFindings,
    mayOperate: operationFindings.every((f) => f.warning),
    operationFindings,
    valid,
    reasons,
  };
}

/** A finding in words. */
export interface Words {
  readonly zh: string;
  readonly en: string;
}

const STATUS_WORDS: Record<LicenceStatus, Words> = {
  [LicenceStatus.VALID]: { zh: '有效', en: 'valid' },
  [LicenceStatus.SUSPENDED]: { zh: '暂扣', en: 'suspended' },
  [LicenceStatus.WITHDRAWN]: { zh: '撤销', en: 'withdrawn' },
  [LicenceStatus.CANCELLED]: { zh: '注销', en: 'cancelled' },
  [LicenceStatus.EXPIRED]: { zh: '失效', en: 'expired' },
  [LicenceStatus.TRANSFERRED_OUT]: { zh: '转出', en: 'transferred out' },
  [LicenceStatus.REVOKED]: { zh: '吊销', en: 'revoked' },
  [LicenceStatus.OTHER]: {
    zh: '其他（已被新版本替代或无从查明）',
    en: 'other (replaced by a newer version, or unknown)',
  },
};

/** Each code in words, in Chinese first. */
export const REASON_WORDS: Record<VerificationReason, Words> = {
  MALFORMED: { zh: '不是本平台可识别的电子证照或二维码', en: 'not a sealed licence or QR text this hub understands' },
  SIGNATURE_INVALID: {
    zh: '电子印章签名验证失败：内容已被改动',
    en: 'the seal’s signature does not verify: the content was changed',
  },
  CHAIN_UNTRUSTED: { zh: '印章证书不能链接到可信根证书', en: 'the seal certificate does not chain to a trusted root' },
  KID_UNKNOWN: { zh: '信任列表中没有该印章', en: 'the trust list holds no such seal' },
  SEAL_REVOKED: {
    zh: '印章在盖章时已被吊销（密钥泄露）',
    en: 'the seal was revoked (its key compromised) when this was sealed',
  },
  SEAL_EXPIRED: { zh: '盖章时印章证书已过期', en: 'the seal certificate had expired when this was sealed' },
  ISSUER_MISMATCH: {
    zh: '盖章单位不是证照所载的发证机关',
    en: 'the sealing department is not the issuer the licence names',
  },
  NOT_FOUND: { zh: '发证记录中查无此证', en: 'the issuer’s records hold no such licence' },
  RECORD_MISMATCH: {
    zh: '证照内容或盖章时间与发证记录不一致',
    en: 'the content or sealing time differs from the issuer’s record',
  },
  NOT_YET_VALID: { zh: '尚未到有效期起始日', en: 'its validity has not begun' },
  EXPIRED: { zh: '已超过有效期', en: 'its validity has ended' },
  SUSPENDED: { zh: '证照已被暂扣', en: 'the licence is suspended' },
  WITHDRAWN: { zh: '证照已被撤销', en: 'the licence was withdrawn' },
  REVOKED: { zh: '证照已被吊销', en: 'the licence was revoked' },
  CANCELLED: { zh: '证照已注销', en: 'the licence was cancelled' },
  SUPERSEDED: { zh: '已有新版本取代此版本', en: 'a newer version replaced this one' },
  DISPUTED: { zh: '有未处理的异议（不影响效力）', en: 'an objection is open (it does not change the answer)' },
  COMPONENT_NOT_VALID: {
    zh: '选择性许可不在有效状态：不得从事该项经营',
    en: 'an optional permit is not valid: not that activity',
  },
  STATUS_OTHER: { zh: '证照状态不是有效', en: 'the licence is not in the valid state' },
  TYP_MISMATCH: { zh: '签名头类型不是电子证照', en: 'the signature header is not that of a sealed licence' },
  KID_MISMATCH: { zh: '印章标识与所附印章证书不符', en: 'the seal id does not match the attached seal certificate' },
  KEY_USAGE: { zh: '该证书不能用于文书盖章', en: 'the certificate is not for sealing documents' },
  SEAL_NOT_YET_VALID: {
    zh: '盖章时印章证书尚未生效',
    en: 'the seal certificate was not yet valid when this was sealed',
  },
  ISSUED_IN_FUTURE: { zh: '盖章时间晚于核验时间', en: 'sealed after the time of verification' },
  STATUS_LIST_UNTRUSTED: { zh: '所给状态列表的印章验证失败', en: 'a status list given does not verify' },
  STATUS_LIST_MALFORMED: { zh: '所给状态列表格式不符', en: 'a status list given is not one of this hub' },
  STATUS_LIST_ISSUER_MISMATCH: { zh: '所给状态列表不属于该发证机关', en: 'a status list given is of another issuer' },
  STATUS_LIST_STALE: { zh: '所给状态列表已过期，请重新获取', en: 'a status list given is stale: fetch a fresh one' },
  TRUST_LIST_STALE: {
    zh: '信任列表已过更新时间：此后吊销的印章无从得知',
    en: 'the trust list is past its next update: seals revoked since are unknown',
  },
  TRUST_LIST_MISSING: {
    zh: '信任列表不含印章吊销列表：未核验印章吊销',
    en: 'the trust list has no revocation list: seal revocation not checked',
  },
  REQUIRED_COMPONENT_NOT_VALID: {
    zh: '必备许可不在有效状态：不得凭本证经营',
    en: 'a required permit is not valid: the holder may not operate under this licence',
  },
  STATUS_UNCHECKED: {
    zh: '离线未能核验吊销或暂扣状态（缺少发证机关可用的状态列表）',
    en: 'revocation or suspension not checked offline (no usable status list of the issuer)',
  },
  COMPONENTS_UNCHECKED: {
    zh: '离线无法核验各项许可的状态，请在线核验',
    en: 'the permits it bundles cannot be checked offline: verify online',
  },
  NOT_GENUINE: { zh: '证照不真实，不能凭其经营', en: 'the document is not genuine: no one may operate under it' },
};

/** A finding in words: about a component, its name and status are said. */
export function findingWords(finding: Finding): Words {
  const words = REASON_WORDS[finding.code];
  const component = finding.component;
  if (component === undefined) return words;
  const status = STATUS_WORDS[component.status];
  const nameEn = findType(component.typeCode)?.nameEn ?? component.typeCode;
  if (finding.code === 'REQUIRED_COMPONENT_NOT_VALID') {
    return {
      zh: `必备许可“${component.typeName}”状态为${status.zh}：不得凭本证经营`,
      en: `the required permit “${nameEn}” is ${status.en}: the holder may not operate under this licence`,
    };
  }
  return {
    zh: `许可“${component.typeName}”状态为${status.zh}：不得从事该项经营，其余不受影响`,
    en: `the permit “${nameEn}” is ${status.en}: not that activity; the rest is unaffected`,
  };
}

/** What a check of the hub's own record needs (PlatformService.CheckLicences: no document is presented). */
export interface RecordVerdictInput {
  readonly state: CertificateState;
  /** The live view of an industry licence's components. */
  readonly industry?: IndustryView;
  /** When the record's seal was sealed, and the seal's compromise time if it was revoked. */
  readonly sealedAt?: Date;
  readonly sealRevokedAt?: Date;
  readonly now: Date;
}

/**
 * The two answers about a recorded licence: genuine unless its seal was revoked (compromised) at or before its
 * sealing time; may operate as for a verification (its status and dates, its required components).
 */
export function recordVerdict(input: RecordVerdictInput): Verdict {
  const { sealedAt, sealRevokedAt } = input;
  const compromised = sealedAt !== undefined && sealRevokedAt !== undefined && sealedAt >= sealRevokedAt;
  const reasons: VerificationReason[] = [...(compromised ? ['SEAL_REVOKED' as const] : [])];
  reasons.push(...recordReasons(input.state, input.now));
  return verdictOf({ reasons, components: componentFindings(input.industry) });
}
