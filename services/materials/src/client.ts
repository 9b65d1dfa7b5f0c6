import { createHash } from 'node:crypto';
import type { ChannelCredentials, Metadata } from '@grpc/grpc-js';
import { materialsV1 as mv } from '@onceonly/contracts';
import { type PromiseClient, promiseClient } from '@onceonly/kit';

/** The `/client` subpath: a promise-returning MaterialsService client (for the CLI and tests). */

const METHODS = [
  'listItems',
  'getItem',
  'uploadMaterial',
  'listMaterials',
  'getMaterial',
  'resolveMaterials',
  'requestEvidence',
  'previewEvidence',
  'acceptEvidence',
  'rejectEvidence',
  'fetchEvidence',
  'listNotifications',
  'listReuses',
] as const satisfies readonly (keyof mv.MaterialsServiceClient)[];

/** Each RPC as `(request) => Promise<response>`; errors come back as AppErrors with their code and fields. */
export type MaterialsClient = PromiseClient<typeof mv, (typeof METHODS)[number]>;

/**
 * A client of MaterialsService at `address`, calling with `metadata()` (mTLS credentials, or the development
 * identity's headers on loopback).
 */
export function materialsClient(
  address: string,
  options: { credentials?: ChannelCredentials; metadata?: () => Metadata } = {},
): MaterialsClient {
  return promiseClient(mv.MaterialsServiceClient, mv, METHODS, address, options);
}

/** Hex SHA-256 of bytes, as UploadMaterial expects it declared (what a client runs locally). */
export function sha256Of(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The generated messages and client class (the CLI calls with its own deadlines and identity). */
export { materialsV1 } from '@onceonly/contracts';

const REPORT_METHODS = [
  'getExemptionRate',
  'getResolution',
  'getEvidenceRequest',
] as const satisfies readonly (keyof mv.MaterialsReportServiceClient)[];

/** MaterialsReportService (the exemption rate, resolutions and evidence requests as stored), promise-returning. */
export type MaterialsReportClient = PromiseClient<typeof mv, (typeof REPORT_METHODS)[number]>;

/** A client of MaterialsReportService at `address` (same options as {@link materialsClient}). */
export function materialsReportClient(
  address: string,
  options: { credentials?: ChannelCredentials; metadata?: () => Metadata } = {},
): MaterialsReportClient {
  return promiseClient(mv.MaterialsReportServiceClient, mv, REPORT_METHODS, address, options);
}
