import type { DataLookup } from '../domain/resolution.js';
import type { NamedApplicant } from './ports.js';

/**
 * A department's data, asked about an applicant for one application: facts of the credit profile (answers keyed
 * `credit:<fact>`, e.g. `no-serious-dishonesty-listing`) or assistance catalogue items (keyed `assistance:<item
 * code>`). A provider that did not answer gives `unavailable`; a key it cannot judge is left out.
 */
export interface DataProvider {
  facts(
    applicant: NamedApplicant,
    keys: readonly string[],
    read: { department: string; applicationId: string },
  ): Promise<Map<string, DataLookup>>;
}

/** The credit service, asked about facts of an applicant's credit profile. */
export type CreditProfiles = DataProvider;
