import { writeFileSync } from 'node:fs';
import { materialsV1 as mv } from '@onceonly/materials/client';
import type { Command } from 'commander';
import { type ClientOptions, call, cliOptions, toJson as json, withClient, writeLine as write } from '../client.js';
import { applicantOf, evidenceText } from './materials.js';

/**
 * `onceonly materials request|preview|accept|reject|fetch|notifications|reused`: the explicit request and preview of
 * the EU's once-only technical system, notifications of changed evidence (DE4A) and the applicant's view. The
 * department requests and fetches (global `--as`); the portal (`--role portal`) previews, accepts and rejects for the
 * applicant and reads the applicant's view.
 */

type Options = ClientOptions & { json: boolean };

function withMaterials<T>(options: Options, fn: (client: mv.MaterialsServiceClient) => Promise<T>): Promise<T> {
  return withClient(mv.MaterialsServiceClient, options, fn);
}

/** A piece's status in one word: pending, accepted, rejected, expired. */
export function pieceStatusWord(status: mv.PieceStatus): string {
  return mv.pieceStatusToJSON(status).replace('PIECE_STATUS_', '').toLowerCase();
}

/** One line per piece: id, status, the material it replaces, the evidence; shown or not, the rejection reason. */
export function pieceLine(p: mv.EvidencePiece): string {
  return [
    `  ${p.id}`,
    pieceStatusWord(p.status).padEnd(8),
    `${p.materialCode}  ${p.nameZh}`,
    `← ${evidenceText(p.evidence)}`,
    ...(p.materialName ? [`“${p.materialName}” ${p.mediaType}, ${p.sizeBytes} B`] : []),
    ...(p.previewedAt ? [] : ['(not shown yet)']),
    ...(p.reason ? [`reason: ${p.reason}`] : []),
  ].join('  ');
}

/** A request for people: who asks, for which application, on what legal basis, until when; then its pieces. */
export function requestText(r: mv.EvidenceRequest): string {
  return [
    `request     ${r.id}  for ${r.applicationId}  ${r.itemCode}  applicant ${r.applicantDisplay}`,
    `by          ${r.departmentCode} at ${r.requestedAt}  (preview until ${r.expiresAt})`,
    `basis       ${r.legalBasis}`,
    ...r.pieces.map(pieceLine),
  ].join('\n');
}

/** One line per notification: when, the department's application, the certificate and what happened to it. */
export function notificationLine(n: mv.EvidenceNotification): string {
  const version = n.currentCertificateId !== n.certificateId ? ` → ${n.currentCertificateId}` : '';
  return `${n.notifiedAt}  ${n.applicationId}  certificate ${n.certificateId}${version} (${n.number})  ${n.change}, now ${n.status}  applicant ${n.applicantDisplay}`;
}

/** One line per reuse: when, by whom, for which application, on what legal basis, what. */
export function reuseLine(r: mv.ReuseRecord): string {
  return `${r.reusedAt}  ${r.departmentCode}  ${r.applicationId}  ${r.materialCode} ← ${evidenceText(r.evidence)}  basis ${r.legalBasis}`;
}

const applicantOptions = (c: Command) =>
  c
    .argument('[credit code]', 'the applicant, an organisation')
    .option('--person <citizen id>', 'the applicant, a natural person (hashed by the hub, never stored)');

function registerRequest(materials: Command): void {
  materials
    .command('request')
    .description('request the evidence of an application explicitly (its department: the pieces await the applicant)')
    .argument('<application id>')
    .option('--resolution <id>', 'the resolution (default: your latest for the application)')
    .option('--legal-basis <text>', 'the legal basis of the reuse (default: the item’s)')
    .action(async (applicationId: string, opts: { resolution?: string; legalBasis?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = mv.RequestEvidenceRequest.fromPartial({
        applicationId,
        resolutionId: opts.resolution ?? '',
        legalBasis: opts.legalBasis ?? '',
      });
      const out = await withMaterials(options, (c) => call(c.requestEvidence.bind(c), request, options));
      write(options.json ? json(mv.RequestEvidenceResponse.toJSON(out)) : requestText(out.request!));
    });
}

function registerPreview(materials: Command): void {
  applicantOptions(
    materials
      .command('preview')
      .description('the evidence requests awaiting the applicant, piece by piece (the portal; showing is recorded)'),
  )
    .option('--request <id>', 'one request (default: every request awaiting the applicant)')
    .action(async (code: string | undefined, opts: { person?: string; request?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = mv.PreviewEvidenceRequest.fromPartial({
        applicant: applicantOf(code, opts.person),
        requestId: opts.request ?? '',
      });
      const out = await withMaterials(options, (c) => call(c.previewEvidence.bind(c), request, options));
      if (options.json) return write(json(mv.PreviewEvidenceResponse.toJSON(out)));
      write(out.requests.length ? out.requests.map(requestText).join('\n\n') : '(nothing awaits the applicant)');
    });
}

function registerDecisions(materials: Command): void {
  for (const decision of ['accept', 'reject'] as const) {
    const command = materials
      .command(decision)
      .description(
        decision === 'accept'
          ? 'accept pieces of a request for the applicant (the portal): the department may then receive them'
          : 'reject pieces of a request for the applicant (the portal): they are never served',
      )
      .argument('<request id>');
    applicantOptions(command)
      .option('--piece <id...>', 'the pieces (default: every piece awaiting a decision)')
      .option('--reason <text>', 'why (reject only)')
      .action(
        async (
          requestId: string,
          code: string | undefined,
          opts: { person?: string; piece?: string[]; reason?: string },
          cmd: Command,
        ) => {
          const options = cliOptions(cmd);
          const base = { applicant: applicantOf(code, opts.person), requestId, pieceIds: opts.piece ?? [] };
          const out =
            decision === 'accept'
              ? await withMaterials(options, (c) =>
                  call(c.acceptEvidence.bind(c), mv.AcceptEvidenceRequest.fromPartial(base), options),
                )
              : await withMaterials(options, (c) =>
                  call(
                    c.rejectEvidence.bind(c),
                    mv.RejectEvidenceRequest.fromPartial({ ...base, reason: opts.reason ?? '' }),
                    options,
                  ),
                );
          write(options.json ? json(mv.EvidenceRequest.toJSON(out.request!)) : requestText(out.request!));
        },
      );
  }
}

function registerFetch(materials: Command): void {
  materials
    .command('fetch')
    .description('receive an accepted piece of your request (the department): a reuse, recorded with its legal basis')
    .argument('<request id>')
    .argument('<piece id>')
    .option('--out <file>', 'where to write a stored material’s content')
    .action(async (requestId: string, pieceId: string, opts: { out?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = mv.FetchEvidenceRequest.fromPartial({ requestId, pieceId });
      const out = await withMaterials(options, (c) => call(c.fetchEvidence.bind(c), request, options));
      if (opts.out && out.content.byteLength > 0) writeFileSync(opts.out, out.content);
      if (options.json) {
        const { content: _, ...rest } = mv.FetchEvidenceResponse.toJSON(out) as Record<string, unknown>;
        return write(json({ ...rest, contentBytes: out.content.byteLength, ...(opts.out ? { out: opts.out } : {}) }));
      }
      write(
        [
          `received    ${out.applicationId}  basis ${out.legalBasis}`,
          pieceLine(out.piece!),
          ...(out.content.byteLength
            ? [`content     ${out.content.byteLength} B${opts.out ? ` → ${opts.out}` : ''}`]
            : []),
        ].join('\n'),
      );
    });
}

function registerNotifications(materials: Command): void {
  materials
    .command('notifications')
    .description(
      'your notifications: certificates your applications reused that were later suspended, revoked, changed',
    )
    .option('--application <id>', 'one application’s')
    .option('--limit <n>', 'at most this many (newest first)', '100')
    .action(async (opts: { application?: string; limit: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = mv.ListNotificationsRequest.fromPartial({
        applicationId: opts.application ?? '',
        pageSize: Number(opts.limit),
      });
      const out = await withMaterials(options, (c) => call(c.listNotifications.bind(c), request, options));
      if (options.json) return write(json(mv.ListNotificationsResponse.toJSON(out)));
      write(out.notifications.length ? out.notifications.map(notificationLine).join('\n') : '(none)');
    });
}

function registerReused(materials: Command): void {
  applicantOptions(
    materials
      .command('reused')
      .description('the applicant’s view: everything reused from their records, by whom, when, for which application'),
  ).action(async (code: string | undefined, opts: { person?: string }, cmd: Command) => {
    const options = cliOptions(cmd);
    const request = mv.ListReusesRequest.fromPartial({ applicant: applicantOf(code, opts.person) });
    const out = await withMaterials(options, (c) => call(c.listReuses.bind(c), request, options));
    if (options.json) return write(json(mv.ListReusesResponse.toJSON(out)));
    write(
      [
        'reused',
        ...(out.reuses.length ? out.reuses.map((r) => `  ${reuseLine(r)}`) : ['  (nothing)']),
        'requests',
        ...(out.requests.length ? out.requests.map(requestText) : ['  (none)']),
      ].join('\n'),
    );
  });
}

/** Adds the consent commands to `onceonly materials`. */
export function registerConsentCommands(materials: Command): void {
  registerRequest(materials);
  registerPreview(materials);
  registerDecisions(materials);
  registerFetch(materials);
  registerNotifications(materials);
  registerReused(materials);
}
