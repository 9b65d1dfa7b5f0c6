import type { Evolved } from '@onceonly/replay';
import type { RequiredReason } from '../resolution.js';

/**
 * The materials replay (docs/adr/005): every resolution rebuilt from its logged `materials.resolution.made` event
 * alone, checked against the rules a resolution obeys, and compared with what the service stores (GetResolution: its
 * counts as the exemption rate sums them). Pure: the decoder in `adapters/events/materials-replay.ts` hands the
 * facts.
 */

/** The projection's name (`onceonly audit replay --projection materials-resolutions`). */
export const MATERIALS_RESOLUTIONS = 'materials-resolutions';

/** One material's decision as a resolution states it. */
export interface DecisionFact {
  readonly materialCode: string;
  readonly decision: 'exempt' | 'required' | 'unknown';
  /** Set when REQUIRED. */
  readonly reason?: RequiredReason | 'unknown';
  /** The kind of evidence when EXEMPT (`certificate`, `material`, ...), absent when there is none. */
  readonly evidence?: string;
}

/** A logged resolution, as the rules read it (no protobuf). */
export interface ResolutionFact {
  /** The event's subject: the applicant's key. */
  readonly eventSubject: string;
  readonly id: string;
  readonly applicationId: string;
  readonly applicantKey: string;
  readonly itemCode: string;
  readonly itemVersion: number;
  readonly resolvedBy: string;
  readonly exemptCount: number;
  readonly requiredCount: number;
  readonly materials: readonly DecisionFact[];
}

/** A resolution as rebuilt, and as the service answers it: what is compared. */
export interface ReplayedResolution {
  readonly applicationId: string;
  readonly applicantKey: string;
  readonly itemCode: string;
  readonly itemVersion: number;
  readonly resolvedBy: string;
  readonly exemptCount: number;
  readonly requiredCount: number;
  /** `code:exempt` or `code:required:reason`, in the item's order. */
  readonly decisions: readonly string[];
}

const decisionText = (d: DecisionFact) =>
  d.decision === 'required' ? `${d.materialCode}:required:${d.reason ?? ''}` : `${d.materialCode}:${d.decision}`;

/** What the rules of a resolution say is wrong with one logged resolution. */
function problemsOf(state: ReadonlyMap<string, ReplayedResolution>, fact: ResolutionFact): string[] {
  const problems: string[] = [];
  if (state.has(fact.id)) problems.push('the resolution id was logged before: a resolution is made once');
  if (fact.eventSubject !== fact.applicantKey) problems.push("the event's subject is not the applicant's key");
  const exempt = fact.materials.filter((m) => m.decision === 'exempt').length;
  const required = fact.materials.filter((m) => m.decision === 'required').length;
  if (exempt + required !== fact.materials.length) problems.push('a material has no decision');
  if (fact.exemptCount !== exempt || fact.requiredCount !== required) {
    problems.push(
      `the counts say ${fact.exemptCount} exempt and ${fact.requiredCount} required, the materials ${exempt} and ${required}`,
    );
  }
  for (const m of fact.materials) {
    if (m.decision === 'exempt' && !m.evidence) problems.push(`${m.materialCode} is exempt without evidence`);
    if (m.decision === 'required' && (!m.reason || m.reason === 'unknown')) {
      problems.push(`${m.materialCode} is required without a reason`);
    }
  }
  const codes = new Set(fact.materials.map((m) => m.materialCode));
  if (codes.size !== fact.materials.length) problems.push('a material is decided twice');
  return problems;
}

/** A resolution as the comparison reads it. */
export function replayedOf(fact: Omit<ResolutionFact, 'eventSubject' | 'id'>): ReplayedResolution {
  return {
    applicationId: fact.applicationId,
    applicantKey: fact.applicantKey,
    itemCode: fact.itemCode,
    itemVersion: fact.itemVersion,
    resolvedBy: fact.resolvedBy,
    exemptCount: fact.exemptCount,
    requiredCount: fact.requiredCount,
    decisions: fact.materials.map(decisionText),
  };
}

/** Folds one logged resolution into the state (the first of an id is kept; a repeat is a problem). */
export function evolveResolutions(state: Map<string, ReplayedResolution>, fact: ResolutionFact): Evolved {
  const problems = problemsOf(state, fact);
  if (!state.has(fact.id)) state.set(fact.id, replayedOf(fact));
  return { problems, key: fact.id };
}

/** The fields of a resolution that differ between the log and the service, each as [field, rebuilt, live]. */
export function resolutionDifferences(
  rebuilt: ReplayedResolution,
  live: ReplayedResolution,
): [field: string, expected: string, actual: string][] {
  return fieldDifferences(rebuilt, live);
}

/** The fields of a rebuilt value that differ from the live one (as JSON), each as [field, rebuilt, live]. */
export function fieldDifferences<T extends object>(
  rebuilt: T,
  live: T,
): [field: string, expected: string, actual: string][] {
  const out: [string, string, string][] = [];
  for (const field of Object.keys(rebuilt) as (keyof T & string)[]) {
    const [a, b] = [JSON.stringify(rebuilt[field]), JSON.stringify(live[field])];
    if (a !== b) out.push([field, a, b]);
  }
  return out;
}
