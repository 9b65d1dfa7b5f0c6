import { assistanceV1 as av } from '@onceonly/contracts';
import { PLANNING, URBAN_MANAGEMENT } from '../src/domain/departments.js';

const K = av.FieldKind;

/**
 * An item of the kind "execute" (协助执行) as the catalogue keeper would publish it: after the planning bureau has
 * ordered a party to stop building or to demolish and the order is not obeyed, the district government may direct
 * the relevant departments to seal up the site or demolish (《中华人民共和国城乡规划法》第六十八条); the urban
 * management law-enforcement bureau executes. ILLUSTRATIVE: the code, time limit and schemas are plausible, not
 * Putuo's published catalogue (its plan item 61 names investigations and opinions only).
 */
export function sealUpItem(more: Partial<av.Item> = {}): av.Item {
  return av.Item.fromPartial({
    code: 'PT-XZ-08',
    nameZh: '协助查封施工现场、强制拆除违法建设',
    nameEn: 'Seal up a construction site or demolish an unlawful building',
    kind: av.AssistanceKind.ASSISTANCE_KIND_EXECUTE,
    providerCodes: [URBAN_MANAGEMENT.code],
    requesterCodes: [PLANNING.code],
    anyRequester: false,
    legalBasis: { law: '中华人民共和国城乡规划法', article: '第六十八条' },
    timeLimitWorkingDays: 5,
    urgentAllowed: true,
    aboutPerson: false,
    requestFields: [
      {
        key: 'order_no',
        labelZh: '责令停止建设或限期拆除决定书文号',
        labelEn: 'Order to stop building or demolish',
        kind: K.FIELD_KIND_STRING,
        required: true,
        maxLength: 50,
      },
      {
        key: 'direction_no',
        labelZh: '区人民政府责成文件文号',
        labelEn: "District government's direction",
        kind: K.FIELD_KIND_STRING,
        required: true,
        maxLength: 50,
      },
      {
        key: 'measure',
        labelZh: '措施',
        labelEn: 'Measure',
        kind: K.FIELD_KIND_ENUM,
        required: true,
        enumValues: ['查封施工现场', '强制拆除'],
      },
      {
        key: 'site_address',
        labelZh: '施工现场地址',
        labelEn: 'Site address',
        kind: K.FIELD_KIND_STRING,
        required: true,
        maxLength: 200,
      },
      { key: 'party', labelZh: '当事人统一社会信用代码', labelEn: 'Party', kind: K.FIELD_KIND_USCC },
    ],
    answerFields: [
      {
        key: 'result',
        labelZh: '执行情况',
        labelEn: 'Result',
        kind: K.FIELD_KIND_ENUM,
        required: true,
        enumValues: ['已执行', '部分执行', '未能执行'],
      },
      { key: 'executed_on', labelZh: '执行日期', labelEn: 'Executed on', kind: K.FIELD_KIND_DATE, required: true },
      {
        key: 'record_no',
        labelZh: '执法文书编号',
        labelEn: 'Enforcement record',
        kind: K.FIELD_KIND_STRING,
        maxLength: 50,
        pattern: '^[A-Z0-9\\-]{4,50}$',
      },
      { key: 'remarks', labelZh: '说明', labelEn: 'Remarks', kind: K.FIELD_KIND_TEXT, maxLength: 2000 },
    ],
    ...more,
  });
}
