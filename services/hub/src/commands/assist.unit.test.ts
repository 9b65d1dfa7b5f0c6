import { assistanceV1 as av } from '@onceonly/assistance/client';
import { describe, expect, it } from 'vitest';
import { indicatorsText, requestLine, requestText } from './assist.js';

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
});
