import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { HolderCodeType } from '@onceonly/contracts';
import { AppError } from '@onceonly/errors';
import { materialsV1 as mv, sha256Of } from '@onceonly/materials/client';
import type { Command } from 'commander';
import { type ClientOptions, call, cliOptions, toJson as json, withClient, writeLine as write } from '../client.js';
import { registerConsentCommands } from './materials-consent.js';
import { registerRate } from './materials-rate.js';

/**
 * `onceonly materials items|upload|list|get|resolve`: MaterialsService of a running hub (两个免于提交), as the
 * department named by the global `--as` (development identity, `--role portal` for the portal acting for an
 * applicant) or by its mTLS certificate. An applicant is a credit code, or `--person <citizen id>` (hashed by the
 * hub, never stored).
 */

type Options = ClientOptions & { json: boolean };

function withMaterials<T>(options: Options, fn: (client: mv.MaterialsServiceClient) => Promise<T>): Promise<T> {
  return withClient(mv.MaterialsServiceClient, options, fn);
}

const word = (text: string, prefix: string) => text.replace(prefix, '').toLowerCase().replaceAll('_', '-');

/** A source in words: `certificate <type>`, `library <type>`, `assistance <item>`, `credit <fact>`. */
export function sourceText(s: mv.MaterialSource | undefined): string {
  switch (s?.source?.$case) {
    case 'certificateTypeCode':
      return `certificate ${s.source.value}`;
    case 'libraryMaterialType':
      return `library ${s.source.value}`;
    case 'assistanceItemCode':
      return `assistance ${s.source.value}`;
    case 'creditProfileFact':
      return `credit ${s.source.value}`;
    default:
      return '(none)';
  }
}

/** One line per item: code, version, names, how many materials. */
export function itemLine(i: mv.Item): string {
  return `${i.code}  v${i.version}  ${i.nameZh} / ${i.nameEn}  (${i.materials.length} materials)`;
}

/** An item for people: its header, legal basis and each material with the sources that can replace it. */
export function itemText(i: mv.Item, versions: readonly number[] = []): string {
  return [
    itemLine(i),
    ...(versions.length ? [`versions    ${versions.join(', ')}`] : []),
    ...(i.certificateTypeCode ? [`grants      ${i.certificateTypeCode}`] : []),
    ...(i.industryCode ? [`industry    ${i.industryCode}`] : []),
    `basis       ${i.legalBasis}`,
    'materials',
    ...i.materials.map(
      (m) =>
        `  ${m.code}  ${m.nameZh}  ← ${m.sources.length ? m.sources.map(sourceText).join(' | ') : 'always submitted'}`,
    ),
  ].join('\n');
}

/** One line per stored material: id, type, digest prefix, size, validity, source application. */
export function materialLine(m: mv.StoredMaterial): string {
  return [
    m.id,
    m.materialType,
    `sha256:${m.sha256.slice(0, 12)}…`,
    `${m.sizeBytes} B`,
    m.validUntil ? `valid until ${m.validUntil}` : 'no end',
    ...(m.sourceApplicationId ? [`from ${m.sourceApplicationId}`] : []),
    m.name,
  ].join('  ');
}

export function evidenceText(e: mv.Evidence | undefined): string {
  switch (e?.evidence?.$case) {
    case 'certificate': {
      const c = e.evidence.value;
      return `certificate ${c.certificateId} (${c.number}, ${c.status}${c.validTo ? `, to ${c.validTo}` : ''}, verified ${c.verifiedAt})`;
    }
    case 'data': {
      const d = e.evidence.value;
      return `${d.provider} ${d.reference}: ${d.value} (as of ${d.asOf})`;
    }
    case 'material': {
      const m = e.evidence.value;
      return `material ${m.materialId} (sha256:${m.sha256.slice(0, 12)}…${m.validUntil ? `, until ${m.validUntil}` : ''})`;
    }
    default:
      return '';
  }
}

/** A resolution for people: the header, then per material EXEMPT with its evidence or REQUIRED with the reason. */
export function resolutionText(r: mv.Resolution): string {
  return [
    `resolution  ${r.id}  for ${r.applicationId}  ${r.itemCode} v${r.itemVersion}  applicant ${r.applicantDisplay}`,
    `exempt      ${r.exemptCount} of ${r.exemptCount + r.requiredCount}  (resolved by ${r.resolvedBy} at ${r.resolvedAt})`,
    ...r.materials.map((m) =>
      m.decision === mv.Decision.DECISION_EXEMPT
        ? `  EXEMPT    ${m.materialCode}  ${m.nameZh}  ← ${evidenceText(m.evidence)}`
        : `  REQUIRED  ${m.materialCode}  ${m.nameZh}  (${word(mv.requiredReasonToJSON(m.reason), 'REQUIRED_REASON_')})`,
    ),
  ].join('\n');
}

/** The applicant of a request: a credit code, or `--person`. */
export function applicantOf(code: string | undefined, person: string | undefined): mv.Applicant {
  if (person) return { code: person, codeType: HolderCodeType.HOLDER_CODE_TYPE_CITIZEN_ID };
  if (code) return { code, codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC };
  throw new AppError('INVALID_ARGUMENT', 'name the applicant: a credit code, or --person <citizen id>');
}

function registerItems(materials: Command): void {
  materials
    .command('items')
    .description('the licensing items and the materials each asks for (事项与材料清单)')
    .argument('[item code]', 'one item, with its materials and their sources')
    .option('--version <n>', 'the version of the item (default: the latest)', '0')
    .action(async (code: string | undefined, opts: { version: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      if (code) {
        const request = mv.GetItemRequest.fromPartial({ code, version: Number(opts.version) });
        const found = await withMaterials(options, (c) => call(c.getItem.bind(c), request, options));
        return write(options.json ? json(mv.GetItemResponse.toJSON(found)) : itemText(found.item!, found.versions));
      }
      const all = await withMaterials(options, (c) => call(c.listItems.bind(c), {}, options));
      if (options.json) return write(json(mv.ListItemsResponse.toJSON(all)));
      write(
        [
          ...all.items.map(itemLine),
          'material types',
          ...all.materialTypes.map((t) => `  ${t.code}  ${t.nameZh} / ${t.nameEn}`),
        ].join('\n'),
      );
    });
}

function registerUpload(materials: Command): void {
  materials
    .command('upload')
    .description('store a material in the applicant’s library (电子材料库), encrypted, by its SHA-256')
    .argument('<file>', 'the material’s bytes')
    .argument('[credit code]', 'the owner, an organisation')
    .option('--person <citizen id>', 'the owner, a natural person (hashed by the hub, never stored)')
    .requiredOption('--type <material type>', 'a material type of the catalogue (see `materials items`)')
    .option('--name <text>', 'what the material is (default: the file name)')
    .option('--media-type <type>', 'e.g. application/pdf', 'application/octet-stream')
    .option('--valid-until <YYYY-MM-DD>', 'the end of its validity')
    .option('--application <id>', 'the application it was submitted for')
    .option('--sha256 <hex>', 'the digest to declare (default: computed from the file)')
    .action(async (file: string, code: string | undefined, opts: Record<string, string | undefined>, cmd: Command) => {
      const options = cliOptions(cmd);
      let content: Buffer;
      try {
        content = readFileSync(file);
      } catch (cause) {
        throw new AppError('INVALID_ARGUMENT', `cannot read ${file}`, { cause });
      }
      const request = mv.UploadMaterialRequest.fromPartial({
        owner: applicantOf(code, opts.person),
        materialType: opts.type ?? '',
        name: opts.name ?? basename(file),
        content,
        sha256: opts.sha256 ?? sha256Of(content),
        mediaType: opts.mediaType ?? '',
        validUntil: opts.validUntil ?? '',
        applicationId: opts.application ?? '',
      });
      const out = await withMaterials(options, (c) => call(c.uploadMaterial.bind(c), request, options));
      if (options.json) return write(json(mv.UploadMaterialResponse.toJSON(out)));
      write(`${out.alreadyStored ? 'already stored' : 'stored'}  ${materialLine(out.material!)}`);
    });
}

function registerList(materials: Command): void {
  materials
    .command('list')
    .description('an applicant’s stored materials (metadata; a department sees those it stored or reused)')
    .argument('[credit code]', 'the owner, an organisation')
    .option('--person <citizen id>', 'the owner, a natural person')
    .action(async (code: string | undefined, opts: { person?: string }, cmd: Command) => {
      const options = cliOptions(cmd);
      const request = mv.ListMaterialsRequest.fromPartial({ owner: applicantOf(code, opts.person) });
      const out = await withMaterials(options, (c) => call(c.listMaterials.bind(c), request, options));
      if (options.json) return write(json(mv.ListMaterialsResponse.toJSON(out)));
      write(out.materials.length ? out.materials.map(materialLine).join('\n') : '(none)');
    });
  materials
    .command('get')
    .description('fetch a material’s content: as the portal for its owner, or for an application that reused it')
    .argument('<material id>')
    .option('--owner <credit code>', 'the portal: the owner it acts for')
    .option('--person <citizen id>', 'the portal: the owner it acts for, a natural person')
    .option('--application <id>', 'a department: the application that reused the material')
    .requiredOption('--out <file>', 'where to write the content')
    .action(async (id: string, opts: Record<string, string | undefined>, cmd: Command) => {
      const options = cliOptions(cmd);
      const owner = opts.owner || opts.person ? applicantOf(opts.owner, opts.person) : undefined;
      const request = mv.GetMaterialRequest.fromPartial({
        id,
        ...(owner ? { owner } : {}),
        applicationId: opts.application ?? '',
      });
      const out = await withMaterials(options, (c) => call(c.getMaterial.bind(c), request, options));
      writeFileSync(opts.out!, out.content);
      if (options.json) return write(json({ material: mv.StoredMaterial.toJSON(out.material!), out: opts.out }));
      write(`wrote ${out.content.byteLength} bytes to ${opts.out}  ${materialLine(out.material!)}`);
    });
}

function registerResolve(materials: Command): void {
  materials
    .command('resolve')
    .description('which materials of an item the applicant need not submit (两个免于提交), with the evidence')
    .argument('<item code>')
    .argument('[credit code]', 'the applicant, an organisation')
    .option('--person <citizen id>', 'the applicant, a natural person (hashed by the hub)')
    .requiredOption('--application <id>', 'the application (your case number)')
    .action(
      async (item: string, code: string | undefined, opts: { person?: string; application: string }, cmd: Command) => {
        const options = cliOptions(cmd);
        const request = mv.ResolveMaterialsRequest.fromPartial({
          applicant: applicantOf(code, opts.person),
          itemCode: item,
          applicationId: opts.application,
        });
        const out = await withMaterials(options, (c) => call(c.resolveMaterials.bind(c), request, options));
        write(options.json ? json(mv.ResolveMaterialsResponse.toJSON(out)) : resolutionText(out.resolution!));
      },
    );
}

export function registerMaterialsCommands(program: Command): void {
  const materials = program
    .command('materials')
    .description('once-only materials: items, the material library, resolutions (两个免于提交)');
  registerItems(materials);
  registerUpload(materials);
  registerList(materials);
  registerResolve(materials);
  registerConsentCommands(materials);
  registerRate(materials);
}
