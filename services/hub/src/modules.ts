import { assistanceModule } from '@onceonly/assistance';
import { auditModule } from '@onceonly/audit';
import { certificateModule } from '@onceonly/certificate';
import { creditModule } from '@onceonly/credit';
import type { ServiceModule } from '@onceonly/kit';
import { materialsModule } from '@onceonly/materials';
import {
  assistanceProjection,
  certificateProjection,
  creditGradeProjection,
  creditRecordProjection,
  type HubProjection,
  inspectionDrawProjection,
  materialsConsentProjection,
  materialsResolutionProjection,
} from './adapters/replay-projections.js';

/**
 * The services `onceonly start` hosts, in start order. The audit log comes last so that it sees every topic the
 * others registered. Services register here as they land.
 */
export const HUB_MODULES: readonly ServiceModule[] = [
  certificateModule,
  assistanceModule,
  creditModule,
  materialsModule,
  auditModule,
];

/**
 * The replay projections the hub passes to `onceonly audit replay` (docs/adr/005): each service's own, imported
 * from its `/replay` subpath. The audit service runs them and never imports them. Services add theirs as they land.
 */
export const HUB_REPLAY_PROJECTIONS: readonly HubProjection[] = [
  certificateProjection,
  assistanceProjection,
  creditRecordProjection,
  creditGradeProjection,
  materialsResolutionProjection,
  materialsConsentProjection,
  inspectionDrawProjection,
];
