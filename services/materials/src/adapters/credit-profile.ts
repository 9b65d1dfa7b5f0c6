import { credentials, type ServiceError } from '@grpc/grpc-js';
import { creditV1 as crv } from '@onceonly/contracts';
import type { NamedApplicant } from '../app/ports.js';
import type { CreditProfiles } from '../app/source-ports.js';
import { chinaDay, type DataLookup } from '../domain/resolution.js';
import { type PeerOptions, peerCalls } from './peer-calls.js';

/** How the materials service reaches the credit service (mTLS: a client certificate whose OU is `department`). */
export type CreditProviderOptions = PeerOptions;

/** The facts of a credit profile this service can judge, from GetCreditProfile's answer. */
const FACTS: Record<string, (profile: crv.GetCreditProfileResponse) => boolean> = {
  // the credit service's own grade rule `listed` (D) says the subject has an open serious-dishonesty list entry
  'no-serious-dishonesty-listing': (p) => !(p.grade?.reasons ?? []).some((r) => r.ruleId === 'listed'),
};

const LETTER: Record<number, string> = {
  [crv.GradeLetter.GRADE_LETTER_A]: 'A',
  [crv.GradeLetter.GRADE_LETTER_B]: 'B',
  [crv.GradeLetter.GRADE_LETTER_C]: 'C',
  [crv.GradeLetter.GRADE_LETTER_D]: 'D',
};

function answerText(profile: crv.GetCreditProfileResponse, satisfied: boolean): string {
  const grade = profile.grade;
  const listed = satisfied ? 'not on the serious-dishonesty list' : 'on the serious-dishonesty list';
  return grade ? `grade ${LETTER[grade.grade] ?? '?'} (${grade.ruleSet}), ${listed}` : `no credit record, ${listed}`;
}

/**
 * The credit service over its gRPC API (GetCreditProfile; never its code), as a department reading the applicant's
 * profile for an application: the read is recorded by the credit service (`credit.profile.read`) with the purpose
 * naming the department and the application. A provider that does not answer, or answers an error, makes every
 * asked fact `unavailable`: the materials stay REQUIRED with PROVIDER_UNAVAILABLE. A fact this adapter does not
 * judge is left out (SOURCE_NOT_CONNECTED).
 */
export function grpcCreditProfiles(options: CreditProviderOptions): CreditProfiles & { close(): void } {
  const client = new crv.CreditServiceClient(options.address, options.credentials ?? credentials.createInsecure());
  const call = peerCalls(client, options, 'department');
  const profileOf = (request: crv.GetCreditProfileRequest) =>
    call<crv.GetCreditProfileRequest, crv.GetCreditProfileResponse>(client.getCreditProfile, request);
  return {
    async facts(applicant: NamedApplicant, facts: readonly string[], read) {
      const judged = facts.filter((f) => FACTS[f] !== undefined);
      const answers = new Map<string, DataLookup>();
      if (judged.length === 0) return answers;
      try {
        const profile = await profileOf(
          crv.GetCreditProfileRequest.fromPartial({
            subject: {
              subject:
                applicant.kind === 'organisation'
                  ? { $case: 'creditCode', value: applicant.code }
                  : { $case: 'citizenId', value: applicant.id },
            },
            purpose: `两个免于提交 application ${read.applicationId} of ${read.department}`,
          }),
        );
        const checkedAt = options.clock();
        for (const fact of judged) {
          const satisfied = FACTS[fact]!(profile);
          answers.set(`credit:${fact}`, {
            kind: satisfied ? 'satisfied' : 'not-satisfied',
            provider: 'credit',
            value: answerText(profile, satisfied),
            asOf: profile.grade?.asOf || chinaDay(checkedAt),
            checkedAt,
          });
        }
      } catch (err) {
        // the applicant's code is never logged: only what went wrong
        options.log.warn(
          { grpcCode: (err as ServiceError).code },
          'credit provider did not answer: materials stay required',
        );
        for (const fact of judged) answers.set(`credit:${fact}`, { kind: 'unavailable' });
      }
      return answers;
    },
    close: () => client.close(),
  };
}
