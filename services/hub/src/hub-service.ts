import type { GetInfoResponse, HubServiceServer } from '@onceonly/contracts';
import { unary } from '@onceonly/kit';

/** What GetInfo reports: fixed at start. */
export type HubInfo = Omit<GetInfoResponse, 'services'> & { services: () => readonly string[] };

/** The hub's own gRPC service: GetInfo (this process) and WhoAmI (the caller as the transport established it). */
export function hubService(info: HubInfo): HubServiceServer {
  return {
    getInfo: unary(async () => ({ ...info, services: [...info.services()] })),
    whoAmI: unary(async (_request, { caller }) => ({
      departmentCode: caller.departmentCode,
      departmentName: caller.departmentName,
      role: caller.role,
      authenticatedBy: caller.authenticatedBy,
    })),
  };
}
