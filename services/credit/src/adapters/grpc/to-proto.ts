import { creditV1 as cv } from '@onceonly/contracts';
import type { GradeChange, StoredGrade } from '../../app/ports.js';
import type { Profile } from '../../app/read-profile.js';
import type { Commitment, CommitmentStatus } from '../../domain/commitments.js';
import type { GradeLetter } from '../../domain/grades.js';
import type { PenaltyKind, Regime, Sector } from '../../domain/publicity.js';
import type { CreditRecord, RecordBody, RecordStatus, RepairCondition, Subject } from '../../domain/records.js';

/** Domain values ↔ protobuf enums, and records, grades and profiles → messages. */

function inverse<K extends string, V extends number>(table: Record<K, V>): Map<number, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as number, k as K]));
}

export const PENALTY_KIND: Record<PenaltyKind, cv.PenaltyKind> = {
  warning: cv.PenaltyKind.PENALTY_KIND_WARNING,
  criticism: cv.PenaltyKind.PENALTY_KIND_CRITICISM,
  fine: cv.PenaltyKind.PENALTY_KIND_FINE,
  confiscation: cv.PenaltyKind.PENALTY_KIND_CONFISCATION,
  'licence-suspended': cv.PenaltyKind.PENALTY_KIND_LICENCE_SUSPENDED,
  'qualification-lowered': cv.PenaltyKind.PENALTY_KIND_QUALIFICATION_LOWERED,
  'licence-revoked': cv.PenaltyKind.PENALTY_KIND_LICENCE_REVOKED,
  'business-restricted': cv.PenaltyKind.PENALTY_KIND_BUSINESS_RESTRICTED,
  'suspension-ordered': cv.PenaltyKind.PENALTY_KIND_SUSPENSION_ORDERED,
  'closure-ordered': cv.PenaltyKind.PENALTY_KIND_CLOSURE_ORDERED,
  'employment-restricted': cv.PenaltyKind.PENALTY_KIND_EMPLOYMENT_RESTRICTED,
  detention: cv.PenaltyKind.PENALTY_KIND_DETENTION,
  other: cv.PenaltyKind.PENALTY_KIND_OTHER,
};
export const PENALTY_KIND_OF = inverse(PENALTY_KIND);

export const REGIME: Record<Regime, cv.Regime> = { ndrc: cv.Regime.REGIME_NDRC, samr: cv.Regime.REGIME_SAMR };
export const REGIME_OF = inverse(REGIME);

export const SECTOR: Record<Sector, cv.Sector> = {
  general: cv.Sector.SECTOR_GENERAL,
  'special-equipment': cv.Sector.SECTOR_SPECIAL_EQUIPMENT,
  'work-safety': cv.Sector.SECTOR_WORK_SAFETY,
  fire: cv.Sector.SECTOR_FIRE,
  food: cv.Sector.SECTOR_FOOD,
  drugs: cv.Sector.SECTOR_DRUGS,
};
export const SECTOR_OF = inverse(SECTOR);

export const REPAIR_CONDITION: Record<RepairCondition, cv.RepairCondition> = {
  'obligations-fulfilled': cv.RepairCondition.REPAIR_CONDITION_OBLIGATIONS_FULFILLED,
  'harm-removed': cv.RepairCondition.REPAIR_CONDITION_HARM_REMOVED,
  'not-repeated': cv.RepairCondition.REPAIR_CONDITION_NOT_REPEATED,
  'not-listed': cv.RepairCondition.REPAIR_CONDITION_NOT_LISTED,
  'commitment-signed': cv.RepairCondition.REPAIR_CONDITION_COMMITMENT_SIGNED,
};
export const REPAIR_CONDITION_OF = inverse(REPAIR_CONDITION);

const KIND: Record<RecordBody['kind'], cv.RecordKind> = {
  penalty: cv.RecordKind.RECORD_KIND_PENALTY,
  'listing-entry': cv.RecordKind.RECORD_KIND_LISTING_ENTRY,
  'listing-exit': cv.RecordKind.RECORD_KIND_LISTING_EXIT,
  commendation: cv.RecordKind.RECORD_KIND_COMMENDATION,
  licensing: cv.RecordKind.RECORD_KIND_LICENSING,
  'post-check': cv.RecordKind.RECORD_KIND_POST_CHECK,
  inspection: cv.RecordKind.RECORD_KIND_INSPECTION,
};

const STATUS: Record<RecordStatus, cv.RecordStatus> = {
  active: cv.RecordStatus.RECORD_STATUS_ACTIVE,
  'repair-pending': cv.RecordStatus.RECORD_STATUS_REPAIR_PENDING,
  repaired: cv.RecordStatus.RECORD_STATUS_REPAIRED,
};

export const GRADE: Record<GradeLetter, cv.GradeLetter> = {
  A: cv.GradeLetter.GRADE_LETTER_A,
  B: cv.GradeLetter.GRADE_LETTER_B,
  C: cv.GradeLetter.GRADE_LETTER_C,
  D: cv.GradeLetter.GRADE_LETTER_D,
};

export function subjectToProto(subject: Subject, name: string): cv.SubjectRef {
  return {
    subjectKey: subject.key,
    display:
      subject.kind === 'organisation'
        ? { $case: 'creditCode', value: subject.key }
        : { $case: 'maskedCitizenId', value: subject.masked },
    name,
  };
}

function bodyToProto(body: RecordBody): cv.CreditRecord['body'] {
  switch (body.kind) {
    case 'penalty':
      return {
        $case: 'penalty',
        value: {
          decisionNumber: body.decisionNumber,
          name: body.name,
          kinds: body.kinds.map((k) => PENALTY_KIND[k]),
          regime: REGIME[body.regime],
          sector: SECTOR[body.sector],
          facts: body.facts,
          legalBasis: body.legalBasis,
          result: body.result,
          amountFen: String(body.amountFen),
          decisionDate: '',
          simpleProcedure: body.simpleProcedure,
        },
      };
    case 'listing-entry':
    case 'listing-exit':
      return {
        $case: 'listing',
        value: {
          decisionNumber: body.decisionNumber,
          reasons: body.reasons,
          legalBasis: body.legalBasis,
          decisionDate: '',
          entryRecordId: body.entryRecordId ?? '',
        },
      };
    case 'commendation':
      return {
        $case: 'commendation',
        value: {
          decisionNumber: body.decisionNumber,
          title: body.title,
          legalBasis: body.legalBasis,
          decisionDate: '',
        },
      };
    case 'licensing':
      return {
        $case: 'licensing',
        value: {
          decisionNumber: body.decisionNumber,
          certificateId: body.certificateId,
          licenceName: body.licenceName,
          typeCode: body.typeCode,
          validFrom: body.validFrom,
          validTo: body.validTo ?? '',
          licenceStatus: body.licenceStatus,
          commitmentId: body.commitmentId ?? '',
          decision: body.change?.decision ?? 'granted',
          licenceVersion: body.change?.version ?? 1,
          previousCertificateId: body.change?.previousCertificateId ?? '',
        },
      };
    case 'post-check':
      return {
        $case: 'postCheck',
        value: {
          decisionNumber: body.decisionNumber,
          commitmentId: body.commitmentId,
          certificateId: body.certificateId,
          licenceNumber: body.licenceNumber,
          result: cv.PostCheckResult.POST_CHECK_RESULT_BROKEN,
          findings: body.findings,
          inspector: body.inspector,
        },
      };
    case 'inspection':
      return {
        $case: 'inspection',
        value: {
          decisionNumber: body.decisionNumber,
          taskId: body.taskId,
          taskTitle: body.taskTitle,
          inspectorId: body.inspectorId,
          outcome: body.outcome,
          findings: body.findings,
        },
      };
  }
}

const COMMITMENT_STATUS: Record<CommitmentStatus, cv.CommitmentStatus> = {
  open: cv.CommitmentStatus.COMMITMENT_STATUS_OPEN,
  kept: cv.CommitmentStatus.COMMITMENT_STATUS_KEPT,
  broken: cv.CommitmentStatus.COMMITMENT_STATUS_BROKEN,
};

export function commitmentToProto(c: Commitment): cv.CommitmentRecord {
  return {
    id: c.id,
    subject: subjectToProto(c.subject, c.partyName),
    ownerCode: c.owner,
    certificateId: c.certificateId,
    licenceNumber: c.licenceNumber,
    licenceName: c.licenceName,
    grantedOn: c.grantedOn,
    postCheckDue: c.postCheckDue,
    terms: c.terms,
    status: COMMITMENT_STATUS[c.status],
    checkedOn: c.check?.checkedOn ?? '',
    findings: c.check?.findings ?? '',
    inspector: c.check?.inspector ?? '',
    postCheckRecordId: c.check?.recordId ?? '',
    version: c.version,
    overdueOn: c.overdueOn ?? '',
  };
}

export function recordToProto(r: CreditRecord): cv.CreditRecord {
  const body = bodyToProto(r.body);
  if (body && 'decisionDate' in body.value) body.value.decisionDate = r.decisionDate;
  const p = r.publicity;
  return {
    id: r.id,
    kind: KIND[r.kind],
    subject: subjectToProto(r.subject, r.partyName),
    ownerCode: r.owner,
    decisionDate: r.decisionDate,
    status: STATUS[r.status],
    version: r.version,
    publicity: {
      published: p.published,
      notPublishedReason: p.notPublishedReason ?? '',
      publishBy: p.publishBy ?? '',
      late: p.late,
      publicFrom: p.publicFrom ?? '',
      repairFrom: p.repairFrom ?? '',
      publicUntil: p.publicUntil ?? '',
      rule: p.rules.join(','),
      ruleSet: p.ruleSet,
    },
    body,
    repair: r.repair
      ? {
          appliedOn: r.repair.appliedOn,
          applicantCode: r.repair.applicant,
          conditions: r.repair.conditions.map((c) => REPAIR_CONDITION[c]),
          statement: r.repair.statement,
          decidedOn: r.repair.decision?.decidedOn ?? '',
          granted: r.repair.decision?.granted ?? false,
          reasons: r.repair.decision?.reasons ?? '',
        }
      : undefined,
    recordedOn: r.recordedOn,
  };
}

export function gradeToProto(g: StoredGrade): cv.Grade {
  return {
    grade: GRADE[g.grade],
    ruleSet: g.ruleSet,
    reasons: g.reasons.map((r) => ({ ruleId: r.ruleId, wordsZh: r.zh, wordsEn: r.en, recordIds: [...r.recordIds] })),
    asOf: g.asOf,
    reviewOn: g.reviewOn ?? '',
    version: g.version,
  };
}

export function gradeChangeToProto(c: GradeChange): cv.GradeChange {
  return {
    grade: gradeToProto(c.grade),
    previous: c.previous ? GRADE[c.previous] : cv.GradeLetter.GRADE_LETTER_UNSPECIFIED,
    causeRecordId: c.causeRecordId ?? '',
    changedAt: c.changedAt.toISOString(),
  };
}

export function profileToProto(p: Profile): cv.GetCreditProfileResponse {
  return {
    subject: subjectToProto(p.subject, p.name),
    records: p.records.map(recordToProto),
    grade: p.grade ? gradeToProto(p.grade) : undefined,
    history: p.history.map(gradeChangeToProto),
  };
}
