import { type AppError, isAppError } from '@onceonly/errors';
import { CHINA_WORKDAYS, type PlainDate } from '@onceonly/workdays';
import { describe, expect, it } from 'vitest';
import {
  BAKERY,
  EMERGENCY,
  emergency,
  MARKET_REGULATION,
  marketRegulation,
  penaltyCommand,
  portal,
  recorded,
} from '../../test/records.js';
import {
  type IssuedLicence,
  isOverdue,
  type LicenceVersion,
  licenceVersionRecord,
  licensingRecord,
  postCheck,
  trackCommitment,
  withLicenceState,
} from './commitments.js';
import { GRADE_RULES, gradeOf } from './grades.js';

function failure(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('it succeeded');
}

const today = '2026-03-04' as PlainDate;
const licence = (over: Partial<IssuedLicence> = {}): IssuedLicence => ({
  certificateId: 'cert-1',
  number: 'JY23101070000012',
  name: '食品经营许可证',
  typeCode: '11100000000000001X',
  issuer: MARKET_REGULATION,
  holder: { kind: 'organisation', key: BAKERY },
  holderName: '上海示范烘焙有限公司',
  issueDate: '2026-03-04',
  validFrom: '2026-03-04',
  validTo: '2031-03-03',
  commitment: { postCheckDue: '2026-04-03', terms: '承诺具备经营场所' },
  ...over,
});
const open = () => trackCommitment(licence(), 'c-1')!;
const check = (result: 'kept' | 'broken' | undefined = 'broken', actor = marketRegulation) => ({
  actor,
  result,
  findings: '经营场所不存在',
  inspector: 'INS-1',
});

describe('licensing records (双公示) of every later version: a change (变更) and a renewal (延续) are decisions too', () => {
  const grant = () => {
    const r = licensingRecord(licence(), '2026-03-04' as PlainDate, CHINA_WORKDAYS, 'c-1');
    if (typeof r === 'string') throw new Error(r);
    return r;
  };
  const version = (over: Partial<LicenceVersion> = {}): LicenceVersion => ({
    certificateId: 'cert-2',
    change: { decision: 'changed', version: 2, previousCertificateId: 'cert-1' },
    number: 'JY23101070000012',
    issuer: MARKET_REGULATION,
    holder: { kind: 'organisation', key: BAKERY },
    holderName: '上海示范烘焙食品有限公司',
    decisionDate: '2026-06-01',
    ...over,
  });
  const later = '2026-06-02' as PlainDate;

  it('records a change under the new version’s id and number, from its own decision day, the grant’s validity kept', () => {
    const r = licenceVersionRecord(grant(), version(), later, CHINA_WORKDAYS);
    if (typeof r === 'string') throw new Error(r);
    expect(r).toMatchObject({
      id: 'cert-2',
      kind: 'licensing',
      owner: MARKET_REGULATION,
      partyName: '上海示范烘焙食品有限公司',
      decisionDate: '2026-06-01',
      version: 1,
      status: 'active',
      body: {
        decisionNumber: 'JY23101070000012/v2',
        certificateId: 'cert-2',
        licenceName: '食品经营许可证',
        validFrom: '2026-03-04',
        validTo: '2031-03-03',
        licenceStatus: 'valid',
        change: { decision: 'changed', version: 2, previousCertificateId: 'cert-1' },
      },
      publicity: { published: true, rules: ['licensing'], publicUntil: '2029-05-31' },
    });
    // the commitment stays the grant's: a change is not granted on commitment
    expect(r.body).not.toHaveProperty('commitmentId');
  });

  it('records a renewal with its new validity', () => {
    const renewed = version({
      change: { decision: 'renewed', version: 3, previousCertificateId: 'cert-2' },
      certificateId: 'cert-3',
      validity: { validFrom: '2031-03-04', validTo: '2036-03-03' },
    });
    const r = licenceVersionRecord(grant(), renewed, later, CHINA_WORKDAYS);
    if (typeof r === 'string') throw new Error(r);
    expect(r.body).toMatchObject({
      decisionNumber: 'JY23101070000012/v3',
      validFrom: '2031-03-04',
      validTo: '2036-03-03',
      change: { decision: 'renewed', version: 3 },
    });
  });

  it('skips a version whose predecessor was never recorded, or that it cannot key or date', () => {
    expect(licenceVersionRecord(undefined, version(), later, CHINA_WORKDAYS)).toBe('no-previous');
    const fine = recorded(penaltyCommand(), '2026-03-04');
    expect(licenceVersionRecord(fine, version(), later, CHINA_WORKDAYS)).toBe('no-previous');
    expect(
      licenceVersionRecord(grant(), version({ holder: { kind: 'organisation', key: '' } }), later, CHINA_WORKDAYS),
    ).toBe('no-subject');
    expect(licenceVersionRecord(grant(), version({ number: '' }), later, CHINA_WORKDAYS)).toBe('no-number');
    expect(licenceVersionRecord(grant(), version({ decisionDate: '' }), later, CHINA_WORKDAYS)).toBe('bad-date');
    expect(licenceVersionRecord(grant(), version({ decisionDate: '2026-06-03' }), later, CHINA_WORKDAYS)).toBe(
      'bad-date',
    );
  });
});

describe('licensing records (双公示) from issued licences', () => {
  it('keys the record by the certificate id, with the licence number as decision number and a publicity window', () => {
    const r = licensingRecord(licence(), today, CHINA_WORKDAYS, 'c-1');
    if (typeof r === 'string') throw new Error(r);
    expect(r).toMatchObject({
      id: 'cert-1',
      kind: 'licensing',
      owner: MARKET_REGULATION,
      decisionDate: '2026-03-04',
      body: { decisionNumber: 'JY23101070000012', licenceStatus: 'valid', commitmentId: 'c-1' },
      publicity: { published: true, rules: ['licensing'], publicUntil: '2029-03-03', ruleSet: 'publicity/2026-3' },
    });
    // not a negative record: a subject with only licences is graded A
    expect(gradeOf([r], today).grade).toBe('A');
  });

  it('skips what it cannot key or date, instead of failing', () => {
    expect(licensingRecord(licence({ holder: { kind: 'organisation', key: '' } }), today, CHINA_WORKDAYS)).toBe(
      'no-subject',
    );
    expect(licensingRecord(licence({ number: '' }), today, CHINA_WORKDAYS)).toBe('no-number');
    expect(licensingRecord(licence({ issueDate: '2026-03-05' }), today, CHINA_WORKDAYS)).toBe('bad-date');
    expect(licensingRecord(licence({ issueDate: 'someday' }), today, CHINA_WORKDAYS)).toBe('bad-date');
  });

  it('follows the licence state, once', () => {
    const r = licensingRecord(licence(), today, CHINA_WORKDAYS) as Exclude<ReturnType<typeof licensingRecord>, string>;
    const withdrawn = withLicenceState(r, 'withdrawn')!;
    expect(withdrawn).toMatchObject({ version: 2, body: { licenceStatus: 'withdrawn' } });
    expect(withLicenceState(withdrawn, 'withdrawn')).toBeUndefined();
  });
});

describe('commitments (告知承诺) and post-checks', () => {
  it('tracks a licence granted on commitment as open; none without one', () => {
    expect(open()).toMatchObject({ id: 'c-1', status: 'open', owner: MARKET_REGULATION, postCheckDue: '2026-04-03' });
    const { commitment: _none, ...plain } = licence();
    expect(trackCommitment(plain, 'c-2')).toBeUndefined();
    expect(isOverdue(open(), '2026-04-03' as PlainDate)).toBe(false);
    expect(isOverdue(open(), '2026-04-04' as PlainDate)).toBe(true);
  });

  it('a kept commitment is no record; a broken one is a negative record that makes the grade C', () => {
    const kept = postCheck(open(), check('kept'), today, 'r-1', CHINA_WORKDAYS);
    expect(kept.record).toBeUndefined();
    expect(kept.commitment).toMatchObject({ status: 'kept', version: 2, check: { result: 'kept', checkedOn: today } });
    const broken = postCheck(open(), check('broken'), today, 'r-1', CHINA_WORKDAYS);
    expect(broken.commitment).toMatchObject({ status: 'broken', check: { recordId: 'r-1' } });
    expect(broken.record).toMatchObject({
      id: 'r-1',
      kind: 'post-check',
      owner: MARKET_REGULATION,
      body: { decisionNumber: 'post-check/c-1', commitmentId: 'c-1', certificateId: 'cert-1', result: 'broken' },
      publicity: { rules: ['post-check/broken'] },
    });
    const grade = gradeOf([broken.record!], today);
    expect(grade).toMatchObject({ grade: 'C', ruleSet: GRADE_RULES.version });
    expect(grade.reasons.map((r) => [r.ruleId, r.recordIds])).toEqual([['broken-commitment-12m', ['r-1']]]);
    // one minor penalty besides does not change that; twelve months later the broken commitment no longer counts
    const fine = recorded(penaltyCommand(), '2026-03-04');
    expect(gradeOf([fine, broken.record!], today).grade).toBe('C');
    expect(gradeOf([broken.record!], '2027-03-05' as PlainDate).grade).toBe('B');
  });

  it('refuses, in order: the role, an unknown commitment, another department, the fields, a second check', () => {
    expect(failure(() => postCheck(open(), check('broken', portal), today, 'r', CHINA_WORKDAYS)).code).toBe(
      'PERMISSION_DENIED',
    );
    expect(failure(() => postCheck(undefined, check(), today, 'r', CHINA_WORKDAYS)).code).toBe(
      'CREDIT_COMMITMENT_NOT_FOUND',
    );
    expect(failure(() => postCheck(open(), check('broken', emergency), today, 'r', CHINA_WORKDAYS)).code).toBe(
      'CREDIT_NOT_OWNER',
    );
    const bad = failure(() =>
      postCheck(open(), { ...check(), result: undefined, findings: ' ' }, today, 'r', CHINA_WORKDAYS),
    );
    expect(bad.code).toBe('INVALID_ARGUMENT');
    expect(bad.details.fields?.map((f) => f.field)).toEqual(['result', 'findings']);
    const kept = postCheck(open(), check('kept'), today, 'r', CHINA_WORKDAYS).commitment;
    expect(failure(() => postCheck(kept, check('broken'), today, 'r', CHINA_WORKDAYS)).code).toBe(
      'CREDIT_COMMITMENT_CHECKED',
    );
    expect(EMERGENCY).not.toBe(MARKET_REGULATION);
  });
});
