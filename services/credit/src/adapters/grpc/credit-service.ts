import type { creditV1 as cv } from '@onceonly/contracts';
import { type Caller, unary } from '@onceonly/kit';
import type { CreditDeps } from '../../app/ports.js';
import { publicFeedCase } from '../../app/public-feed.js';
import { readProfileCase } from '../../app/read-profile.js';
import { readRecordCase } from '../../app/read-record.js';
import { recordDecisionCase } from '../../app/record-decision.js';
import { applyForRepairCase, decideRepairCase } from '../../app/repair.js';
import type { Actor } from '../../domain/records.js';
import {
  feedTokenOf,
  parseApplyForRepair,
  parseDecideRepair,
  parseGetProfile,
  parseGetRecord,
  parseListPublic,
  parseRecordCommendation,
  parseRecordListing,
  parseRecordPenalty,
} from './credit-requests.js';
import { gradeToProto, profileToProto, recordToProto } from './to-proto.js';

const actorOf = (caller: Caller): Actor => ({ code: caller.departmentCode, role: caller.role });

const recorded = (out: Awaited<ReturnType<typeof recordDecisionCase>>) => ({
  record: recordToProto(out.record),
  grade: gradeToProto(out.grade),
  replayed: out.replayed,
});

/** The handlers of CreditService: parse, run the use case, map the result. */
export function creditHandlers(deps: CreditDeps): cv.CreditServiceServer {
  return {
    recordPenalty: unary(async (r, { caller }) =>
      recorded(await recordDecisionCase(deps, parseRecordPenalty(r, actorOf(caller)))),
    ),
    recordListing: unary(async (r, { caller }) =>
      recorded(await recordDecisionCase(deps, parseRecordListing(r, actorOf(caller)))),
    ),
    recordCommendation: unary(async (r, { caller }) =>
      recorded(await recordDecisionCase(deps, parseRecordCommendation(r, actorOf(caller)))),
    ),
    getCreditProfile: unary(async (r, { caller }) =>
      profileToProto(await readProfileCase(deps, parseGetProfile(r, actorOf(caller)))),
    ),
    listPublicRecords: unary(async (r) => {
      const page = await publicFeedCase(deps, parseListPublic(r));
      return { records: page.records.map(recordToProto), nextPageToken: feedTokenOf(page.next), asOf: page.asOf };
    }),
    applyForRepair: unary(async (r, { caller }) => ({
      record: recordToProto(await applyForRepairCase(deps, parseApplyForRepair(r, actorOf(caller)))),
    })),
    decideRepair: unary(async (r, { caller }) => {
      const { record, grade } = await decideRepairCase(deps, parseDecideRepair(r, actorOf(caller)));
      return { record: recordToProto(record), grade: gradeToProto(grade) };
    }),
    getRecord: unary(async (r, { caller }) => ({
      record: recordToProto(await readRecordCase(deps, parseGetRecord(r, actorOf(caller)))),
    })),
  };
}
