import { assistanceV1 } from '@onceonly/assistance/client';
import { ASSISTANCE_REPLAY, requestStatusCheck, statusFromProto } from '@onceonly/assistance/replay';
import { certificateV1 } from '@onceonly/certificate/client';
import { CERTIFICATE_REPLAY, certificateStatusCheck } from '@onceonly/certificate/replay';
import { creditV1, inspectionV1 } from '@onceonly/credit/client';
import {
  CREDIT_GRADE_REPLAY,
  CREDIT_RECORD_REPLAY,
  creditGradeCheck,
  creditRecordCheck,
  gradeFromProto,
  INSPECTION_DRAW_REPLAY,
  inspectionDrawCheck,
  liveTaskFromProto,
  recordStatusFromProto,
} from '@onceonly/credit/replay';
import { isAppError } from '@onceonly/errors';
import { materialsV1 } from '@onceonly/materials/client';
import { liveResolutionOf, MATERIALS_RESOLUTION_REPLAY, materialsResolutionCheck } from '@onceonly/materials/replay';
import type { ProjectionCheck, ProjectionDescriptor } from '@onceonly/replay';
import { type ClientOptions, call, channelCredentials } from '../client.js';

// Each service's replay projection (docs/adr/005), bound to the hub's gRPC API: the service owns the projection (its
// fold, its decoder, the reader of its answer); the hub only says how to ask it. `HUB_REPLAY_PROJECTIONS` in
// modules.ts lists them for `onceonly audit replay`.

/** What a projection may trust: the audit log's verifier keys (the pinned `--vkey` and the log's own). */
export interface ReplayTrust {
  readonly verifierKeys: readonly string[];
}

/** A service's replay projection as the hub passes it to the audit replay. */
export interface HubProjection extends ProjectionDescriptor {
  /** The check with the service's reader, over a channel to the hub at `o.addr`; `close` ends the channel. */
  open(o: ClientOptions, trust: ReplayTrust): { check: ProjectionCheck<unknown, unknown>; close(): void };
  /** The check without a reader: its events rebuilt and checked, the comparison skipped (`why`). */
  offline(why: string, trust: ReplayTrust): ProjectionCheck<unknown, unknown>;
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

/** Why the replay reads credit data (recorded with each read, as every read of a credit record or profile is). */
const REPLAY_PURPOSE = 'audit replay';

/** The credit record projection, read back with GetRecord (an auditor reads any record; each read is recorded). */
export const creditRecordProjection: HubProjection = {
  ...CREDIT_RECORD_REPLAY,
  open(o) {
    const c = new creditV1.CreditServiceClient(o.addr, channelCredentials(o));
    const lookup = async (id: string) => {
      try {
        const request = creditV1.GetRecordRequest.fromPartial({ recordId: id, purpose: REPLAY_PURPOSE });
        const found = (await call(c.getRecord.bind(c), request, o)).record;
        return (
          found && {
            status: recordStatusFromProto(found.status),
            version: found.version,
            subjectKey: found.subject?.subjectKey ?? '',
          }
        );
      } catch (err) {
        if (isAppError(err, 'CREDIT_RECORD_NOT_FOUND')) return undefined;
        throw err;
      }
    };
    return { check: creditRecordCheck(lookup), close: () => c.close() };
  },
  offline: (why) => creditRecordCheck(undefined, { skipped: why }),
};

/**
 * The credit grade projection, read back with GetCreditProfile by subject key (auditors only: a person's key
 * cannot be turned back into the citizen ID a department would name).
 */
export const creditGradeProjection: HubProjection = {
  ...CREDIT_GRADE_REPLAY,
  open(o) {
    const c = new creditV1.CreditServiceClient(o.addr, channelCredentials(o));
    const lookup = async (key: string) => {
      const request = creditV1.GetCreditProfileRequest.fromPartial({ subjectKey: key, purpose: REPLAY_PURPOSE });
      const { grade } = await call(c.getCreditProfile.bind(c), request, o);
      return { grade: grade && gradeFromProto(grade) };
    };
    return { check: creditGradeCheck(lookup), close: () => c.close() };
  },
  offline: (why) => creditGradeCheck(undefined, { skipped: why }),
};

/** The materials resolution projection, read back with GetResolution (an auditor reads any resolution). */
export const materialsResolutionProjection: HubProjection = {
  ...MATERIALS_RESOLUTION_REPLAY,
  open(o) {
    const c = new materialsV1.MaterialsReportServiceClient(o.addr, channelCredentials(o));
    const lookup = async (id: string) => {
      try {
        const request = materialsV1.GetResolutionRequest.fromPartial({ id });
        const found = (await call(c.getResolution.bind(c), request, o)).resolution;
        return found && liveResolutionOf(found);
      } catch (err) {
        if (isAppError(err, 'MATERIALS_RESOLUTION_NOT_FOUND')) return undefined;
        throw err;
      }
    };
    return { check: materialsResolutionCheck(lookup), close: () => c.close() };
  },
  offline: (why) => materialsResolutionCheck(undefined, { skipped: why }),
};

/**
 * The draw projection (every 双随机 draw recomputed from its logged task and checkpoint), read back with
 * GetInspectionTask (departments and auditors read tasks and draws: they are published).
 */
export const inspectionDrawProjection: HubProjection = {
  ...INSPECTION_DRAW_REPLAY,
  // every published checkpoint note is checked against the log's keys (ADR 040)
  open(o, trust) {
    const c = new inspectionV1.InspectionServiceClient(o.addr, channelCredentials(o));
    const lookup = async (taskId: string) => {
      try {
        const request = inspectionV1.GetInspectionTaskRequest.fromPartial({ taskId });
        return liveTaskFromProto(await call(c.getInspectionTask.bind(c), request, o));
      } catch (err) {
        if (isAppError(err, 'INSPECTION_TASK_NOT_FOUND')) return undefined;
        throw err;
      }
    };
    return { check: inspectionDrawCheck(lookup, trust), close: () => c.close() };
  },
  offline: (why, trust) => inspectionDrawCheck(undefined, { ...trust, skipped: why }),
};
