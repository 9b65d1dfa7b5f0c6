import { assistanceV1 as av } from '@onceonly/assistance/client';
import type { AppError } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import { indicatorsText, itemFromJson, publishedText, requestLine, requestText } from './assist.js';

const request = av.Request.fromPartial({
  id: 'r-1',
  version: 3,
  status: av.RequestStatus.REQUEST_STATUS_ANSWERED,
  itemCode: 'PT-XZ-04',
  requesterCode: 'J',
  providerCode: 'C',
  dueDate: '2026-02-25',
  caseId: 'FY-1',
  legalBasis: '法律援助法第四十一条',
  purpose: '核查',
  subject: { subject: { $case: 'maskedCitizenId', value: '110105********002X' } },
  answer: {
    fields: { economic_difficulty: '是' },
    attachmentSha256: ['ab'.repeat(32)],
    certificateIds: [],
    answeredOn: '2026-02-24',
  },
});

describe('assist formatters', () => {
  it('puts a request on one line with its version, status, departments and due date', () => {
    expect(requestLine(request)).toBe('r-1  v3  answered   PT-XZ-04  J → C  due 2026-02-25');
  });

  it('shows a request with the masked person and the answer', () => {
    const text = requestText(request);
    expect(text).toContain('about       110105********002X');
    expect(text).toContain('economic_difficulty');
    expect(text).toContain(`attachment    sha256:${'ab'.repeat(32)}`);
  });

  it('prints indicators with a dash where nothing was measured, and the traffic lights', () => {
    const text = indicatorsText(
      av.GetIndicatorsResponse.fromPartial({
        asOf: '2026-03-20',
        indicators: [
          {
            group: 'C',
            requests: 4,
            hasAcceptedWithin7Days: true,
            acceptedWithin7Days: 0.5,
            acceptedWithin7DaysLight: av.Light.LIGHT_RED,
            overdue: 1,
          },
        ],
      }),
    );
    expect(text).toContain('as of 2026-03-20');
    expect(text).toMatch(/C\s+4 {2}50 % \(red\) {2}— {2}— {2}— {2}1/);
    expect(indicatorsText(av.GetIndicatorsResponse.fromPartial({ asOf: '2026-03-20' }))).toContain('(no requests)');
  });

  it('shows a published item: its version, what it follows, kind, departments and fields', () => {
    const item = av.Item.fromPartial({
      code: 'PT-XZ-08',
      version: 2,
      nameZh: '协助查封施工现场',
      nameEn: 'Seal up a construction site',
      kind: av.AssistanceKind.ASSISTANCE_KIND_EXECUTE,
      providerCodes: ['U'],
      requesterCodes: ['P'],
      legalBasis: { law: '中华人民共和国城乡规划法', article: '第六十八条' },
      timeLimitWorkingDays: 5,
      urgentAllowed: true,
      requestFields: [{ key: 'order_no', required: true }, { key: 'party' }],
    });
    expect(publishedText(item).split('\n')).toEqual([
      'published PT-XZ-08 v2 (follows v1; open requests keep theirs)',
      'PT-XZ-08 v2  协助查封施工现场 (Seal up a construction site)',
      '  execute, 5 working days, urgent allowed',
      '  provided by U; asked by P',
      '  basis 中华人民共和国城乡规划法 第六十八条',
      '  request fields order_no*, party',
      '  answer fields  (none)',
    ]);
    expect(publishedText({ ...item, version: 1 })).toMatch(/^published PT-XZ-08 v1 \(a new item\)/);
  });

  it('reads an item from `assist items --json` output (one item, or the list of one), refusing unknown keys', () => {
    const item = av.Item.fromPartial({ code: 'PT-XZ-08', version: 3, kind: av.AssistanceKind.ASSISTANCE_KIND_EXECUTE });
    const json = av.Item.toJSON(item) as Record<string, unknown>;
    expect(itemFromJson(JSON.stringify(json))).toEqual(item);
    expect(itemFromJson(JSON.stringify({ items: [json] }))).toEqual(item);
    expect(itemFromJson(JSON.stringify({ ...json, time_limit_working_days: 4 })).timeLimitWorkingDays).toBe(4);
    const codes = (text: string) => {
      try {
        itemFromJson(text);
      } catch (err) {
        return (err as AppError).fields.map((f) => `${f.field} ${f.reason}`);
      }
      return [];
    };
    expect(codes('{')).toEqual(['--file JSON']);
    expect(codes(JSON.stringify({ items: [json, json] }))).toEqual(['--file ONE_ITEM']);
    expect(
      codes(
        JSON.stringify({ ...json, colour: 1, legalBasis: { law: 'x', articel: 'y' }, answerFields: [{ kee: 'a' }] }),
      ),
    ).toEqual([
      '--file: colour UNKNOWN_KEY',
      '--file: legalBasis.articel UNKNOWN_KEY',
      '--file: answerFields[0].kee UNKNOWN_KEY',
    ]);
  });
});
