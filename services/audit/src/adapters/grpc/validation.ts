import type { auditV1 } from '@onceonly/contracts';
import { FieldCheck } from '@onceonly/kit';
import type { SearchFilter } from '../../app/ports.js';

// Every request field comes from the caller: sizes, indexes, page tokens and times are checked here (the kit's
// FieldCheck, its text rule and strict RFC 3339 instants), and all the faults of one request are reported together
// as one coded error with one field violation each. One parser per RPC; the handlers only call the use case.

const MAX_TEXT = 1024;
/** A GetEntries call reads at most this many leaves. */
export const MAX_ENTRIES = 1000;

/** Text of at most 1024 characters under the text rule. */
/** A free-text field of an audit request, under the kit's text rule and the one length limit. */
export function text(check: FieldCheck, field: string, value: string, required = false): string {
  return check.text(field, value, { max: MAX_TEXT, required });
}

/** Decodes an opaque page token (what {@link pageToken} made) into the position after which to continue. */
function after(check: FieldCheck, field: string, token: string | undefined): string | undefined {
  if (!token) return undefined;
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  const match = /^after:(0|[1-9][0-9]{0,18})$/.exec(decoded);
  if (!match) {
    check.fail(field, 'PAGE_TOKEN_INVALID', 'not a page token this service issued');
    return undefined;
  }
  return match[1];
}

/** An opaque page token for "continue after `position`". */
export function pageToken(position: string | number): string {
  return Buffer.from(`after:${position}`, 'utf8').toString('base64url');
}

function page(check: FieldCheck, request: { page?: { pageSize?: number; pageToken?: string } | undefined }) {
  return {
    limit: check.pageSize('page.page_size', request.page?.pageSize),
    after: after(check, 'page.page_token', request.page?.pageToken),
  };
}

export function parseGetCheckpoint(request: auditV1.GetCheckpointRequest): { size?: number } {
  return FieldCheck.parse((check) => (request.size === undefined ? {} : { size: check.count('size', request.size) }));
}

export function parseListCheckpoints(request: auditV1.ListCheckpointsRequest) {
  return FieldCheck.parse((check) => page(check, request));
}

export function parseGetInclusionProof(request: auditV1.GetInclusionProofRequest) {
  return FieldCheck.parse((check) => {
    const treeSize = request.treeSize === undefined ? undefined : check.count('tree_size', request.treeSize);
    const leaf = request.leaf;
    if (leaf === undefined) check.fail('leaf', 'REQUIRED', 'an event_id or a leaf_index');
    const ref =
      leaf?.$case === 'leafIndex'
        ? { leafIndex: check.count('leaf_index', leaf.value) }
        : { eventId: leaf === undefined ? '' : text(check, 'event_id', leaf.value, true) };
    return { ref, treeSize, purpose: text(check, 'purpose', request.purpose) };
  });
}

export function parseGetConsistencyProof(request: auditV1.GetConsistencyProofRequest) {
  return FieldCheck.parse((check) => {
    const first = check.count('first_size', request.firstSize, 0);
    const second = request.secondSize === undefined ? undefined : check.count('second_size', request.secondSize);
    if (second !== undefined && first > second) check.fail('first_size', 'OUT_OF_RANGE', 'larger than second_size');
    return { first, second };
  });
}

export function parseGetEntries(request: auditV1.GetEntriesRequest) {
  return FieldCheck.parse((check) => {
    const start = check.count('start', request.start, 0);
    const end = check.count('end', request.end);
    if (end <= start) check.fail('end', 'OUT_OF_RANGE', 'must be greater than start');
    if (end - start > MAX_ENTRIES) check.fail('end', 'OUT_OF_RANGE', `at most ${MAX_ENTRIES} entries per call`);
    return { start, end, withData: !request.omitData, purpose: text(check, 'purpose', request.purpose) };
  });
}

/** GetEntries past the end of the tree: checked once the tree's size is known. */
export function assertWithinTree(end: number, size: number): void {
  FieldCheck.parse((check) => {
    if (end > size) check.fail('end', 'OUT_OF_RANGE', `the tree has ${size} leaves`);
  });
}

export function parseSearchEvents(request: auditV1.SearchEventsRequest) {
  return FieldCheck.parse((check) => {
    const filter: SearchFilter = {
      subject: text(check, 'subject', request.subject),
      type: text(check, 'type', request.type),
      source: text(check, 'source', request.source),
      timeFrom: check.instant('time_from', request.timeFrom, 'NOT_RFC3339'),
      timeTo: check.instant('time_to', request.timeTo, 'NOT_RFC3339'),
    };
    if (filter.timeFrom && filter.timeTo && filter.timeFrom >= filter.timeTo) {
      check.fail('time_to', 'OUT_OF_RANGE', 'must be after time_from');
    }
    const purpose = text(check, 'purpose', request.purpose);
    return { filter, ...page(check, request), withData: !request.omitData, purpose };
  });
}

export function parseGetEvent(request: auditV1.GetEventRequest): { eventId: string; purpose: string } {
  return FieldCheck.parse((check) => ({
    eventId: text(check, 'event_id', request.eventId, true),
    purpose: text(check, 'purpose', request.purpose),
  }));
}

export function parseAddCosignature(request: auditV1.AddCosignatureRequest) {
  return FieldCheck.parse((check) => ({
    size: check.count('size', request.size),
    cosignature: check.text('cosignature', request.cosignature, { max: MAX_TEXT, required: true, multiline: true }),
  }));
}

export function parseListSequenceGaps(request: auditV1.ListSequenceGapsRequest) {
  return FieldCheck.parse((check) => ({
    source: text(check, 'source', request.source),
    openOnly: request.openOnly,
    ...page(check, request),
  }));
}

/** GetSubjectMapProof: the subject (required, never a citizen ID), the tree size (a checkpoint's) and why. */
export function parseGetSubjectMapProof(request: auditV1.GetSubjectMapProofRequest) {
  return FieldCheck.parse((check) => ({
    subject: text(check, 'subject', request.subject, true),
    treeSize: request.treeSize === undefined ? undefined : check.count('tree_size', request.treeSize),
    purpose: text(check, 'purpose', request.purpose),
  }));
}
