import { consentV1, certificateV1 as cv, type OfflineVerification } from '@onceonly/certificate/client';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../client.js';
import { offlineAnswers, onlineAnswers, verdictText } from './cert.js';
import { checkJson, checkText } from './consent.js';
import { answerLines, verifyExitCode } from './verdict.js';

const R = cv.VerificationReason;
const HYGIENE = '12100000000013338W001';
const suspendedHygiene: cv.VerdictReason = {
  code: R.VERIFICATION_REASON_REQUIRED_COMPONENT_NOT_VALID,
  warning: false,
  textZh: '必备许可“公共场所卫生许可证”状态为暂扣：不得凭本证经营',
  textEn:
    'the required permit “Public place hygiene licence” is suspended: the holder may not operate under this licence',
  componentTypeCode: HYGIENE,
  componentStatus: cv.LicenceStatus.LICENCE_STATUS_SUSPENDED,
};

/** The hub's answer for a cinema whose hygiene permit is suspended. */
const cinema = cv.VerifyCertificateResponse.fromPartial({
  valid: false,
  reasons: [R.VERIFICATION_REASON_REQUIRED_COMPONENT_NOT_VALID],
  genuine: true,
  mayOperate: false,
  mayOperateReasons: [suspendedHygiene],
});

const offline = (extra: Partial<OfflineVerification> = {}): OfflineVerification => ({
  valid: true,
  reasons: [],
  genuine: true,
  genuineFindings: [],
  mayOperate: false,
  operationFindings: [{ code: 'STATUS_UNCHECKED', warning: false }],
  sealValid: true,
  statusChecked: [],
  statusLists: [],
  warnings: [],
  ...extra,
});

describe('cert verify: the two answers, genuine and may operate (ADR 033)', () => {
  it('a cinema whose required hygiene permit is suspended: NOT VALID, genuine yes, may operate NO, in words', () => {
    const text = verdictText(false, ['REQUIRED_COMPONENT_NOT_VALID'], '电影院 … status valid', onlineAnswers(cinema));
    expect(text.split('\n')).toEqual([
      'NOT VALID  REQUIRED_COMPONENT_NOT_VALID',
      'genuine      yes',
      'may operate  NO',
      `    REQUIRED_COMPONENT_NOT_VALID  ${suspendedHygiene.textZh} / ${suspendedHygiene.textEn}`,
      '电影院 … status valid',
    ]);
    expect(verifyExitCode(onlineAnswers(cinema))).toBe(EXIT.mayNotOperate);
  });

  it('exit codes: 0 genuine and may operate, 1 not genuine, 4 genuine but may not operate', () => {
    expect(verifyExitCode({ genuine: true, mayOperate: true })).toBe(0);
    expect(verifyExitCode({ genuine: false, mayOperate: false })).toBe(1);
    expect(verifyExitCode({ genuine: true, mayOperate: false })).toBe(4);
  });

  it('a forgery: genuine NO with its reason, and may operate NO because of it', () => {
    const forged = cv.VerifyCertificateResponse.fromPartial({
      genuine: false,
      genuineReasons: [{ code: R.VERIFICATION_REASON_SIGNATURE_INVALID, textZh: '签名', textEn: 'signature' }],
      mayOperateReasons: [{ code: R.VERIFICATION_REASON_NOT_GENUINE, textZh: '不真实', textEn: 'not genuine' }],
    });
    expect(answerLines(onlineAnswers(forged))).toEqual([
      'genuine      NO',
      '    SIGNATURE_INVALID  签名 / signature',
      'may operate  NO',
      '    NOT_GENUINE  不真实 / not genuine',
    ]);
  });

  it('a warning is marked and does not change the answer', () => {
    const disputed = cv.VerifyCertificateResponse.fromPartial({
      genuine: true,
      mayOperate: true,
      mayOperateReasons: [{ code: R.VERIFICATION_REASON_DISPUTED, warning: true, textZh: '异议', textEn: 'dispute' }],
    });
    expect(answerLines(onlineAnswers(disputed))).toEqual([
      'genuine      yes',
      'may operate  yes',
      '    warning DISPUTED  异议 / dispute',
    ]);
  });

  it('offline without status lists: genuine yes, may operate NOT ESTABLISHED (exit 4), in the hub’s words', () => {
    const answers = offlineAnswers(offline());
    expect(answerLines(answers)).toEqual([
      'genuine      yes',
      'may operate  NOT ESTABLISHED',
      '    STATUS_UNCHECKED  离线未能核验吊销或暂扣状态（缺少发证机关可用的状态列表） / revocation or suspension not checked offline (no usable status list of the issuer)',
    ]);
    expect(verifyExitCode(answers)).toBe(EXIT.mayNotOperate);
  });

  it('offline, revoked by the status list: may operate NO', () => {
    const answers = offlineAnswers(
      offline({ valid: false, reasons: ['REVOKED'], operationFindings: [{ code: 'REVOKED', warning: false }] }),
    );
    expect(answerLines(answers)[1]).toBe('may operate  NO');
  });
});

describe('platform check: each licence with its two answers', () => {
  const response = consentV1.CheckLicencesResponse.fromPartial({
    checkedAt: '2026-12-05T10:00:00.000Z',
    results: [
      {
        index: 0,
        holderCodeMasked: '91310107MA1J5K6L7X',
        licences: [
          {
            typeCode: 'IND',
            typeName: '行业综合许可证',
            number: 'HY1',
            validFrom: '2026-01-01',
            status: cv.LicenceStatus.LICENCE_STATUS_VALID,
            genuine: true,
            mayOperate: false,
            mayOperateReasons: [suspendedHygiene],
          },
        ],
      },
    ],
  });

  it('prints a valid status beside MAY NOT OPERATE, and the reason in words', () => {
    expect(checkText(response).split('\n')).toEqual([
      '#0 91310107MA1J5K6L7X',
      '  IND 行业综合许可证 HY1 valid 2026-01-01 .. 长期  MAY NOT OPERATE',
      `    REQUIRED_COMPONENT_NOT_VALID  ${suspendedHygiene.textZh} / ${suspendedHygiene.textEn}`,
      'checked at 2026-12-05T10:00:00.000Z',
    ]);
  });

  it('--json carries a false mayOperate, and reads an older hub’s missing answers as false', () => {
    const json = checkJson(response) as { results: { licences: { mayOperate?: boolean; genuine?: boolean }[] }[] };
    expect(json.results[0]!.licences[0]).toMatchObject({ genuine: true, mayOperate: false });
    const older = consentV1.CheckLicencesResponse.fromPartial({
      results: [{ licences: [{ typeCode: 'T', status: cv.LicenceStatus.LICENCE_STATUS_VALID }] }],
    });
    const read = checkJson(older) as { results: { licences: { mayOperate?: boolean; genuine?: boolean }[] }[] };
    expect(read.results[0]!.licences[0]).toMatchObject({ genuine: false, mayOperate: false });
    expect(checkText(older)).toContain('(no answer: an older hub)');
  });
});
