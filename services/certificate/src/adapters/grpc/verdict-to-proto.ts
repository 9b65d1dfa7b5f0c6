import type { certificateV1 as cv } from '@onceonly/contracts';
import { type Finding, findingWords, REASON_WORDS } from '../../domain/verdict.js';
import { reasonToProto, statusToProto } from '../event-bodies.js';

/**
 * The findings of an answer as `VerdictReason`s, with their words. `showComponents: false` (a verdict-only answer)
 * leaves out which component a finding is about: its code and generic words stay.
 */
export function verdictReasonsOf(findings: readonly Finding[], showComponents = true): cv.VerdictReason[] {
  return findings.map((finding) => {
    const component = showComponents ? finding.component : undefined;
    const words = component === undefined ? REASON_WORDS[finding.code] : findingWords(finding);
    return {
      code: reasonToProto(finding.code),
      warning: finding.warning,
      textZh: words.zh,
      textEn: words.en,
      componentTypeCode: component?.typeCode ?? '',
      componentStatus: component === undefined ? 0 : statusToProto(component.status),
    };
  });
}
