import { assistanceSuite } from './assistance-suite.js';
import { auditProofsSuite } from './audit-proofs.js';
import { auditReplaySuite, auditSuite } from './audit-suite.js';
import { certificateIssueSuite } from './certificate-issue-suite.js';
import { certificateSuite } from './certificate-suite.js';
import { creditDrawSuite } from './credit-draw.js';
import { creditGradesSuite } from './credit-grades.js';
import { eventsRowSuite, eventsSuite } from './events-suite.js';
import { materialsSuite } from './materials-suite.js';
import { merkleMapSuite } from './merkle-map.js';
import { observabilitySuite } from './observability.js';
import { replicasSuite } from './replicas-suite.js';
import { retentionRangesSuite, retentionSuite } from './retention.js';
import type { Suite } from './suite.js';

/** Every suite of `npm run bench`, in run order. */
export const SUITES: readonly Suite[] = [
  eventsSuite,
  eventsRowSuite,
  certificateSuite,
  certificateIssueSuite,
  replicasSuite,
  assistanceSuite,
  auditSuite,
  merkleMapSuite,
  auditProofsSuite,
  auditReplaySuite,
  creditDrawSuite,
  creditGradesSuite,
  materialsSuite,
  observabilitySuite,
  retentionSuite,
  retentionRangesSuite,
];
