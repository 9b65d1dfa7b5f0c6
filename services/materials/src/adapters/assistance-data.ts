import { createHash } from 'node:crypto';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { assistanceV1 as av } from '@onceonly/contracts';
import type { NamedApplicant } from '../app/ports.js';
import type { DataProvider } from '../app/source-ports.js';
import { chinaDay, type DataLookup } from '../domain/resolution.js';
import { type PeerOptions, peerCalls } from './peer-calls.js';

/**
 * How the materials service reaches the assistance service: as a department (mTLS: a client certificate whose OU is
 * `department`), the requester of the requests it submits.
 */
export type AssistanceProviderOptions = PeerOptions;

/**
 * The catalogue items whose answer this service can judge: the answer field that decides, the value under which
 * the material need not be submitted, and the request's fields and legal basis (stable, so that asking again for
 * the same application names the same request).
 */
interface JudgedItem {
  readonly field: string;
  readonly holds: string;
  readonly legalBasis: string;
  readonly fields: (code: string, year: number) => Record<string, string>;
}

const JUDGED: Record<string, JudgedItem> = {
  // 有无重大安全生产违法违规行为 (the emergency management bureau): `无` is what the licensing item needs
  'PT-XZ-07': {
    field: 'serious_violation',
    holds: '无',
    legalBasis: '《中华人民共和国安全生产法》第七十八条',
    // the record of the last three calendar years
    fields: (code, year) => ({ enterprise: code, since: `${year - 3}-01-01` }),
  },
};

const ANSWERED = new Set([av.RequestStatus.REQUEST_STATUS_ANSWERED, av.RequestStatus.REQUEST_STATUS_CLOSED]);
const CLOSED_UNANSWERED = new Set([
  av.RequestStatus.REQUEST_STATUS_DECLINED,
  av.RequestStatus.REQUEST_STATUS_WITHDRAWN,
]);

/** What the provider's answer to one request says about the material. */
function judged(request: av.Request, spec: JudgedItem, checkedAt: Date): DataLookup {
  // declined or withdrawn: the provider will not answer this request (it is asked again next year)
  if (CLOSED_UNANSWERED.has(request.status)) return { kind: 'unavailable' };
  if (!ANSWERED.has(request.status) || !request.answer) return { kind: 'requested', reference: request.id };
  const value = request.answer.fields[spec.field] ?? '';
  return {
    kind: value === spec.holds ? 'satisfied' : 'not-satisfied',
    provider: 'assistance',
    value: `${spec.field}=${value} (request ${request.id})`,
    asOf: request.answer.answeredOn || chinaDay(checkedAt),
    checkedAt,
  };
}

/**
 * The assistance service over its gRPC API (SubmitRequest; never its code or tables). For an application, the
 * service asks the catalogue item's provider once, as the requester, with an idempotency key made of the item, the
 * applicant, the resolving department, the application and the year: the first resolution submits the request
 * (REQUIRED, DATA_REQUESTED: it is answered in working days), and every later one is answered that same request
 * (`replayed`) with its status and answer, in one call: EXEMPT when the answer holds, DATA_NOT_SATISFIED when it
 * does not. No answer within the deadline, or an error: `unavailable` (PROVIDER_UNAVAILABLE). Items it does not
 * judge, and persons (the items are about enterprises), are left out (SOURCE_NOT_CONNECTED).
 */
export function grpcAssistanceData(options: AssistanceProviderOptions): DataProvider & { close(): void } {
  const client = new av.AssistanceServiceClient(options.address, options.credentials ?? credentials.createInsecure());
  const call = peerCalls(client, options, 'department');
  const submit = (request: av.SubmitRequestRequest) =>
    call<av.SubmitRequestRequest, av.SubmitRequestResponse>(client.submitRequest, request);
  const ask = async (itemCode: string, code: string, read: { department: string; applicationId: string }) => {
    const spec = JUDGED[itemCode]!;
    const checkedAt = options.clock();
    const year = Number(chinaDay(checkedAt).slice(0, 4));
    const key = createHash('sha256')
      .update(JSON.stringify([itemCode, code, read.department, read.applicationId, year]))
      .digest('hex');
    try {
      const { request } = await submit(
        av.SubmitRequestRequest.fromPartial({
          idempotencyKey: `materials-${key}`,
          itemCode,
          caseId: read.applicationId,
          legalBasis: spec.legalBasis,
          purpose: `两个免于提交：${read.department} 受理的申请 ${read.applicationId}`,
          subject: { subject: { $case: 'organisationCode', value: code } },
          fields: spec.fields(code, year),
        }),
      );
      return request ? judged(request, spec, checkedAt) : ({ kind: 'unavailable' } as const);
    } catch (err) {
      // the applicant's code is never logged: only what went wrong
      options.log.warn(
        { grpcCode: (err as ServiceError).code, itemCode },
        'assistance provider did not answer: materials stay required',
      );
      return { kind: 'unavailable' } as const;
    }
  };
  return {
    async facts(applicant: NamedApplicant, itemCodes: readonly string[], read) {
      const answers = new Map<string, DataLookup>();
      if (applicant.kind !== 'organisation') return answers;
      const asked = itemCodes.filter((c) => JUDGED[c] !== undefined);
      const lookups = await Promise.all(asked.map((c) => ask(c, applicant.code, read)));
      for (const [i, c] of asked.entries()) answers.set(`assistance:${c}`, lookups[i]!);
      return answers;
    },
    close: () => client.close(),
  };
}
