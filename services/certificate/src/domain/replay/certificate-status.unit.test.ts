import { describe, expect, it } from 'vitest';
import { CERTIFICATE_EVENT_TYPES as T } from '../events.js';
import {
  type CertificateReplayFact,
  type CertificateStatus,
  evolveCertificateStatus,
  type ReplayedFacts,
} from './certificate-status.js';

// The pure fold over hand-built replay facts (no protobuf, no I/O): the transitions' own rule tables at work.

const facts = (certificateId: string, status: string, operation: string, version = 1): ReplayedFacts => ({
  certificateId,
  version,
  status,
  operation,
});

function fold(list: readonly CertificateReplayFact[]) {
  const state = new Map<string, CertificateStatus>();
  const problems = list.flatMap((fact, i) => evolveCertificateStatus(state, fact, { id: `e${i + 1}` }).problems);
  return { state, problems };
}

describe('the certificate status fold', () => {
  it('follows issue, suspension and revocation by the status-change rules', () => {
    const { state, problems } = fold([
      { type: T.ISSUED, facts: facts('c1', '01', '01'), componentCertificateIds: [] },
      { type: T.SUSPENDED, facts: facts('c1', '02', '03') },
      { type: T.REVOKED, facts: facts('c1', '07', '07'), kind: 'revoked' },
    ]);
    expect(problems).toEqual([]);
    expect(state.get('c1')).toEqual({ version: 1, status: '07', eventId: 'e3' });
  });

  it('supersedes the previous version with a renewal', () => {
    const { state, problems } = fold([
      { type: T.ISSUED, facts: facts('a', '01', '01'), componentCertificateIds: [] },
      { type: T.RENEWED, facts: facts('b', '01', '02', 2), previousCertificateId: 'a' },
    ]);
    expect(problems).toEqual([]);
    expect(state.get('a')).toMatchObject({ status: '99', supersededById: 'b' });
    expect(state.get('b')).toMatchObject({ version: 2, status: '01' });
  });

  it('names a transition the rules forbid, and a fact with no certificate', () => {
    const resumedValid = fold([
      { type: T.ISSUED, facts: facts('c', '01', '01'), componentCertificateIds: [] },
      { type: T.RESUMED, facts: facts('c', '01', '06') },
    ]);
    expect(resumedValid.problems).toHaveLength(1);
    expect(fold([{ type: T.EXPIRED }]).problems).toHaveLength(1);
  });

  it('names a wrong operation code and a renewal of a version never issued', () => {
    const { problems } = fold([
      { type: T.ISSUED, facts: facts('c', '01', '09'), componentCertificateIds: [] },
      { type: T.RENEWED, facts: facts('d', '01', '02', 2), previousCertificateId: 'nope' },
    ]);
    expect(problems).toHaveLength(2);
  });
});
