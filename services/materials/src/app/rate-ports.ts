import type { Queryable } from '@onceonly/store';
import type { RateGroup, RatePeriod } from '../domain/rate.js';
import type { Resolution } from '../domain/resolution.js';
import type { ConsentDeps } from './consent-ports.js';

/** What the exemption rate and the replay's reads need of storage. */
export interface RateStore {
  /** The sums of the last resolution of each application, per department, item and period, in [from, to). */
  groups(db: Queryable, query: { period: RatePeriod; fromInstant: Date; toInstant: Date }): Promise<RateGroup[]>;
  /** One resolution as stored, its counts as the rate reads them. */
  resolution(db: Queryable, id: string): Promise<Resolution | undefined>;
}

/** The use cases' dependencies: the service's, the rate store, and the requests the consent replay reads back. */
export type ReportDeps = Pick<ConsentDeps, 'db' | 'clock' | 'items' | 'consent'> & { readonly rates: RateStore };
