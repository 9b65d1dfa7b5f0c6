import type { DataLookup } from '../domain/resolution.js';
import type { NamedApplicant } from './ports.js';

/**
 * The credit service, asked about facts of an applicant's credit profile (e.g. `no-serious-dishonesty-listing`) for
 * one application. Every answer is keyed `credit:<fact>`; a provider that did not answer gives `unavailable`.
 */
export interface CreditProfiles {
  facts(
    applicant: NamedApplicant,
    facts: readonly string[],
    read: { department: string; applicationId: string },
  ): Promise<Map<string, DataLookup>>;
}
