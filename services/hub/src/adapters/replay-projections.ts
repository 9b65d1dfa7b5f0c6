import { assistanceV1 } from '@onceonly/assistance/client';
import { ASSISTANCE_REPLAY, requestStatusCheck, statusFromProto } from '@onceonly/assistance/replay';
import { certificateV1 } from '@onceonly/certificate/client';
import { CERTIFICATE_REPLAY, certificateStatusCheck } from '@onceonly/certificate/replay';
import { isAppError } from '@onceonly/errors';
import type { ProjectionCheck, ProjectionDescriptor } from '@onceonly/replay';
import { type ClientOptions, call, channelCredentials } from '../client.js';

// Each service's replay projection (docs/adr/005), bound to the hub's gRPC API: the service owns the projection (its
// fold, its decoder, the reader of its answer); the hub only says how to ask it. `HUB_REPLAY_PROJECTIONS` in
// modules.ts lists them for `onceonly audit replay`.

/** A service's replay projection as the hub passes it to the audit replay. */
export interface HubProjection extends ProjectionDescriptor {
  /** The check with the service's reader, over a channel to the hub at `o.addr`; `close` ends the channel. */
  open(o: ClientOptions): { check: ProjectionCheck<unknown, unknown>; close(): void };
  /** The check without a reader: its events rebuilt and checked, the comparison skipped (`why`). */
  offline(why: string): ProjectionCheck<unknown, unknown>;
}

/** The certificate status projection, read back with GetCertificate (the replay asks as an auditor, who reads any). */
export const certificateProjection: HubProjection = {
  ...CERTIFICATE_REPLAY,
  open(o) {
    const c = new certificateV1.CertificateServiceClient(o.addr, channelCredentials(o));
    const lookup = async (id: string) => {
      try {
        const request = certificateV1.GetCertificateRequest.fromPartial({ ref: { $case: 'id', value: id } });
        return (await call(c.getCertificate.bind(c), request, o)).certificate;
      } catch (err) {
        if (isAppError(err, 'CERT_NOT_FOUND')) return undefined;
        throw err;
      }
    };
    return { check: certificateStatusCheck(lookup), close: () => c.close() };
  },
  offline: (why) => certificateStatusCheck(undefined, { skipped: why }),
};

/** The assistance request projection, read back with GetRequest (an auditor reads any request, not its answer). */
export const assistanceProjection: HubProjection = {
  ...ASSISTANCE_REPLAY,
  open(o) {
    const c = new assistanceV1.AssistanceServiceClient(o.addr, channelCredentials(o));
    const lookup = async (id: string) => {
      try {
        const request = assistanceV1.GetRequestRequest.fromPartial({ id });
        const found = (await call(c.getRequest.bind(c), request, o)).request;
        return found && { status: statusFromProto(found.status), version: found.version, dueDate: found.dueDate };
      } catch (err) {
        if (isAppError(err, 'ASSIST_REQUEST_NOT_FOUND')) return undefined;
        throw err;
      }
    };
    return { check: requestStatusCheck(lookup), close: () => c.close() };
  },
  offline: (why) => requestStatusCheck(undefined, { skipped: why }),
};
