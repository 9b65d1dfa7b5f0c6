import { certificateV1 as cv, type Finding, findingWords } from '@onceonly/certificate/client';
import { EXIT } from '../client.js';

/**
 * The two answers of a verification as the CLI shows them (ADR 033): **genuine** (the document is authentic: seal,
 * chain, record) and **may operate** (the holder may operate under it today: in force, every required component
 * valid), each with its reasons in words, Chinese then English. One shape for the hub's answer (`VerdictReason`s)
 * and the offline verifier's (`Finding`s), so that both print and exit alike.
 */

/** One reason of an answer, as printed and as in `--json`. */
export interface ReasonLine {
  /** The short code, e.g. `REQUIRED_COMPONENT_NOT_VALID`. */
  readonly code: string;
  readonly warning: boolean;
  readonly textZh: string;
  readonly textEn: string;
  readonly componentTypeCode?: string;
}

/** Both answers. */
export interface Answers {
  readonly genuine: boolean;
  readonly genuineReasons: readonly ReasonLine[];
  readonly mayOperate: boolean;
  readonly mayOperateReasons: readonly ReasonLine[];
}

const shortCode = (reason: cv.VerificationReason) =>
  cv.verificationReasonToJSON(reason).replace('VERIFICATION_REASON_', '');

/** The hub's reasons (VerifyCertificate, CheckLicences). */
export function reasonLinesOf(reasons: readonly cv.VerdictReason[]): ReasonLine[] {
  return reasons.map((r) => ({
    code: shortCode(r.code),
    warning: r.warning,
    textZh: r.textZh,
    textEn: r.textEn,
    ...(r.componentTypeCode === '' ? {} : { componentTypeCode: r.componentTypeCode }),
  }));
}

/** The offline verifier's findings, in the same words the hub uses. */
export function findingLinesOf(findings: readonly Finding[]): ReasonLine[] {
  return findings.map((f) => {
    const words = findingWords(f);
    return {
      code: f.code,
      warning: f.warning,
      textZh: words.zh,
      textEn: words.en,
      ...(f.component === undefined ? {} : { componentTypeCode: f.component.typeCode }),
    };
  });
}

/** Offline, may operate is "not established" when only unchecked parts stand in its way. */
const UNCHECKED = new Set(['STATUS_UNCHECKED', 'COMPONENTS_UNCHECKED']);

function mayOperateWord(answers: Answers): string {
  if (answers.mayOperate) return 'yes';
  const blocking = answers.mayOperateReasons.filter((r) => !r.warning);
  return blocking.length > 0 && blocking.every((r) => UNCHECKED.has(r.code)) ? 'NOT ESTABLISHED' : 'NO';
}

function reasonText(r: ReasonLine): string {
  return `    ${r.warning ? 'warning ' : ''}${r.code}  ${r.textZh} / ${r.textEn}`;
}

/**
 * The answers for people, one line each with its reasons under it:
 * `genuine      yes`, `may operate  NO`, `    REQUIRED_COMPONENT_NOT_VALID  必备许可… / the required permit …`.
 */
export function answerLines(answers: Answers): string[] {
  return [
    `genuine      ${answers.genuine ? 'yes' : 'NO'}`,
    ...answers.genuineReasons.map(reasonText),
    `may operate  ${mayOperateWord(answers)}`,
    ...answers.mayOperateReasons.map(reasonText),
  ];
}

/**
 * The exit code of `cert verify`: 0 genuine and the holder may operate; 1 not genuine (forged, tampered, unknown to
 * the hub); 4 genuine, but the holder may not operate under it (revoked, suspended, expired, a required component
 * not valid) or, offline, that was not established.
 */
export function verifyExitCode(answers: Pick<Answers, 'genuine' | 'mayOperate'>): number {
  if (!answers.genuine) return EXIT.failed;
  return answers.mayOperate ? EXIT.ok : EXIT.mayNotOperate;
}
