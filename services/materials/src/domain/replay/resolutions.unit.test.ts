import { describe, expect, it } from 'vitest';
import {
  evolveResolutions,
  type ReplayedResolution,
  type ResolutionFact,
  replayedOf,
  resolutionDifferences,
} from './resolutions.js';

const fact = (more: Partial<ResolutionFact> = {}): ResolutionFact => ({
  eventSubject: '91310107MA1H7Q2W3G',
  id: 'r-1',
  applicationId: 'A-1',
  applicantKey: '91310107MA1H7Q2W3G',
  itemCode: 'industry-bakery',
  itemVersion: 1,
  resolvedBy: '11310107MB2F03587N',
  exemptCount: 1,
  requiredCount: 1,
  materials: [
    { materialCode: 'application-form', decision: 'required', reason: 'no-source' },
    { materialCode: 'floor-plan', decision: 'exempt', evidence: 'material' },
  ],
  ...more,
});

describe('evolveResolutions', () => {
  it('keeps a resolution that obeys the rules, with no problem', () => {
    const state = new Map<string, ReplayedResolution>();
    expect(evolveResolutions(state, fact())).toEqual({ problems: [], key: 'r-1' });
    expect(state.get('r-1')?.decisions).toEqual(['application-form:required:no-source', 'floor-plan:exempt']);
  });

  it('names counts that disagree with the decisions, evidence and reasons missing, and a repeated id', () => {
    const state = new Map<string, ReplayedResolution>();
    evolveResolutions(state, fact());
    const { problems } = evolveResolutions(
      state,
      fact({
        exemptCount: 2,
        requiredCount: 0,
        eventSubject: 'another',
        materials: [
          { materialCode: 'application-form', decision: 'required' },
          { materialCode: 'floor-plan', decision: 'exempt' },
        ],
      }),
    );
    expect(problems).toHaveLength(5);
    expect(state.get('r-1')?.exemptCount).toBe(1);
  });
});

describe('resolutionDifferences', () => {
  it('names each field that differs with both values', () => {
    const rebuilt = replayedOf(fact());
    expect(resolutionDifferences(rebuilt, rebuilt)).toEqual([]);
    expect(resolutionDifferences(rebuilt, { ...rebuilt, exemptCount: 2, requiredCount: 0 })).toEqual([
      ['exemptCount', '1', '2'],
      ['requiredCount', '1', '0'],
    ]);
  });
});
