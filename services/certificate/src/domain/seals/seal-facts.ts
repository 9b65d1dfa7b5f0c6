import type { SealRecord } from './seal.js';

/**
 * What happened to a seal, as the seal use cases tell it. The event adapter (`adapters/events/seal-events.ts`)
 * turns each fact into its CloudEvent on topic `onceonly.seal.v1`; the domain does not know the wire form.
 */
export type SealFact =
  | { readonly kind: 'created'; readonly seal: SealRecord; readonly at: Date }
  | { readonly kind: 'rotated'; readonly seal: SealRecord; readonly previous: SealRecord; readonly at: Date }
  | { readonly kind: 'revoked'; readonly seal: SealRecord; readonly at: Date };
