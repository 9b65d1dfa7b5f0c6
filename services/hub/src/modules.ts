import { auditModule } from '@onceonly/audit';
import { certificateModule } from '@onceonly/certificate';
import type { ServiceModule } from '@onceonly/kit';

/**
 * The services `onceonly start` hosts, in start order. The audit log comes last so that it sees every topic the
 * others registered. Services register here as they land.
 */
export const HUB_MODULES: readonly ServiceModule[] = [certificateModule, auditModule];
