import type { Queryable } from '@onceonly/store';
import type { RateGroup, RatePeriod } from '../domain/rate.js';
import type { Resolution } from '../domain/resolution.js';
import type { MaterialsDeps } from './ports.js';

/** What the exemption rate and the replay's reads need of storage. */
export interface RateStore {
  /** The sums of the last resolution of each application, per department, item and period, in [from, to). */
  groups(db: Queryable, query: { period: RatePeriod; fromInstant: Date; toInstant: Date }): Promise<RateGroup[]>;
  /** One resolution as stored, its counts as the rate reads them. */
  resolution(db: Queryable, id: string): Promise<Resolution | undefined>;
}

/** The use cases' dependencies: the service's, and the rate store. */
export type ReportDeps = Pick<MaterialsDeps, 'db' | 'clock' | 'items'> & { readonly rates: RateStore };
