import { computeUsccCheck } from '@onceonly/ids';
import { CHINA_WORKDAYS, type PlainDate } from '@onceonly/workdays';
import type { PenaltyKind, Regime, Sector } from '../src/domain/publicity.js';
import { type Actor, type CreditRecord, type RecordCommand, recordDecision } from '../src/domain/records.js';

/** Test subjects and departments with valid check characters (the certificate service's demo series). */
export function uscc(first17: string): string {
  return `${first17}${computeUsccCheck(first17)}`;
}

export const MARKET_REGULATION = uscc('11310107MB2F03587');
export const EMERGENCY = uscc('11310107MB2F10079');
export const BAKERY = uscc('91310107MA1G8K3D4');
export const PORTAL = uscc('12310000MB2F09912');

export const marketRegulation: Actor = { code: MARKET_REGULATION, role: 'department' };
export const emergency: Actor = { code: EMERGENCY, role: 'department' };
export const portal: Actor = { code: PORTAL, role: 'portal' };

let ids = 0;

/** A penalty command of market regulation against the bakery; `more` overrides. */
export function penaltyCommand(
  more: {
    kinds?: PenaltyKind[];
    regime?: Regime;
    sector?: Sector;
    amountFen?: number;
    decisionDate?: string;
    decisionNumber?: string;
    actor?: Actor;
    authority?: string;
    simpleProcedure?: boolean;
    legalBasis?: string;
  } = {},
): RecordCommand {
  const actor = more.actor ?? marketRegulation;
  const kinds = more.kinds ?? ['fine'];
  return {
    id: `r-${++ids}`,
    actor,
    subject: { kind: 'organisation', key: BAKERY },
    partyName: '上海示范烘焙有限公司',
    authority: more.authority ?? actor.code,
    decisionDate: more.decisionDate ?? '2026-03-02',
    body: {
      kind: 'penalty',
      decisionNumber: more.decisionNumber ?? `沪市监普处〔2026〕${ids}号`,
      name: '销售超过保质期的食品',
      kinds,
      regime: more.regime ?? 'samr',
      sector: more.sector ?? 'general',
      facts: '当事人销售超过保质期的面包',
      legalBasis: more.legalBasis ?? '《中华人民共和国食品安全法》第一百二十四条',
      result: '罚款',
      amountFen: more.amountFen ?? (kinds.includes('fine') || kinds.includes('confiscation') ? 5_000_000 : 0),
      simpleProcedure: more.simpleProcedure ?? false,
    },
  };
}

/** A list entry (or exit of `entry`) by market regulation. */
export function listingCommand(decisionDate: string, entry?: string, actor: Actor = marketRegulation): RecordCommand {
  return {
    id: `r-${++ids}`,
    actor,
    subject: { kind: 'organisation', key: BAKERY },
    partyName: '上海示范烘焙有限公司',
    authority: actor.code,
    decisionDate,
    body: {
      kind: entry ? 'listing-exit' : 'listing-entry',
      decisionNumber: `沪市监普列〔2026〕${ids}号`,
      reasons: entry ? '期满移出' : '因同一性质违法行为一年内受到三次以上较重行政处罚',
      legalBasis: '《市场监督管理严重违法失信名单管理办法》',
      ...(entry ? { entryRecordId: entry } : {}),
    },
  };
}

/** Records `command` on `today` among `existing`. */
export function recorded(command: RecordCommand, today: string, existing: readonly CreditRecord[] = []): CreditRecord {
  return recordDecision(command, existing, today as PlainDate, CHINA_WORKDAYS).record;
}
