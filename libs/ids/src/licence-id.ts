import type { Brand } from './brand.js';
import { accept, IdError, type IdFailure, type IdValidation, reject, unwrap } from './id-result.js';
import { mod3736Check } from './mod3736.js';
import { normaliseId, readInput } from './normalise.js';
import { type Uscc, validateUscc } from './uscc.js';

/** A valid licence identifier (证照标识), normalised to upper case. */
export type LicenceId = Brand<string, 'LicenceId'>;

/** The object identifier arc that every licence identifier starts with, dot included. */
export const LICENCE_ID_PREFIX = '1.2.156.3005.2.';

/** What {@link formatLicenceId} needs. */
export interface LicenceIdInput {
  /** The licence type: the defining body's credit code + a 3-digit sequence, e.g. `11100000000013338W032`. */
  readonly typeCode: string;
  /** The issuing authority's credit code. */
  readonly issuerCode: string;
  /** The licence number, 1-64 characters of 0-9 A-Z. */
  readonly number: string;
  /** The version: three digits, or an integer 0-999 that is zero-padded. */
  readonly version: string | number;
}

/** The reading of a valid licence identifier. */
export interface LicenceIdParts {
  readonly id: LicenceId;
  /** 21 characters: {@link typeAuthority} + {@link typeSequence}. */
  readonly typeCode: string;
  /** The credit code of the body that defined the licence type. */
  readonly typeAuthority: Uscc;
  /** The 3-digit sequence of the type within that body. */
  readonly typeSequence: string;
  readonly issuerCode: Uscc;
  readonly number: string;
  /** Three digits. */
  readonly version: string;
  readonly check: string;
}

type Segments = Omit<LicenceIdParts, 'id' | 'check'>;

const MAX_NUMBER_LENGTH = 64;

/** Trims, turns full-width characters (including `．`) into half-width ones and upper-cases. */
export function normaliseLicenceId(input: string): string {
  return normaliseId(input);
}

// The shapes are checked before validateUscc, which would trim: a segment must be exact, spaces and all.
const TYPE_CODE_SHAPE = /^[0-9A-Z]{18}\d{3}$/;
const ISSUER_CODE_SHAPE = /^[0-9A-Z]{18}$/;
const NUMBER_SHAPE = new RegExp(`^[0-9A-Z]{1,${MAX_NUMBER_LENGTH}}$`);

function readTypeCode(typeCode: string): IdValidation<{ authority: Uscc; sequence: string }> {
  if (!TYPE_CODE_SHAPE.test(typeCode)) {
    return reject('TYPE_CODE', 'the type code is an 18-character credit code and a 3-digit sequence');
  }
  const authority = validateUscc(typeCode.slice(0, 18));
  if (!authority.ok) return reject('TYPE_CODE', `the type code's credit code is invalid: ${authority.message}`);
  return accept({ authority: authority.value, sequence: typeCode.slice(18) });
}

function readIssuerCode(issuerCode: string): IdValidation<Uscc> {
  if (!ISSUER_CODE_SHAPE.test(issuerCode)) {
    return reject('ISSUER_CODE', 'the issuer code is a credit code: 18 characters of 0-9 and A-Z');
  }
  const issuer = validateUscc(issuerCode);
  return issuer.ok ? issuer : reject('ISSUER_CODE', `the issuer code is not a valid credit code: ${issuer.message}`);
}

function readSegments(typeCode: string, issuerCode: string, number: string, version: string): IdValidation<Segments> {
  const type = readTypeCode(typeCode);
  if (!type.ok) return type;
  const issuer = readIssuerCode(issuerCode);
  if (!issuer.ok) return issuer;
  if (!NUMBER_SHAPE.test(number)) {
    return reject('LICENCE_NUMBER', `the licence number has 1-${MAX_NUMBER_LENGTH} characters of 0-9 and A-Z`);
  }
  if (!/^\d{3}$/.test(version)) return reject('VERSION', 'the version has three digits');
  const { authority, sequence } = type.value;
  return accept({
    typeCode,
    typeAuthority: authority,
    typeSequence: sequence,
    issuerCode: issuer.value,
    number,
    version,
  });
}

function checkOf(segments: Segments): string {
  return mod3736Check(`${segments.typeCode}${segments.issuerCode}${segments.number}${segments.version}`);
}

/**
 * Validates a licence identifier: the prefix `1.2.156.3005.2.`, five segments (type code, issuer code, number,
 * version, check), valid credit codes inside the type and issuer codes, and the MOD 37,36 check over the first
 * four segments joined without dots. Reasons, in the order they are tested: EMPTY, LENGTH, PREFIX, SEGMENTS,
 * TYPE_CODE, ISSUER_CODE, LICENCE_NUMBER, VERSION, CHECK_CHARACTER.
 */
export function validateLicenceId(input: string): IdValidation<LicenceIdParts> {
  const read = readInput(input);
  if (!read.ok) return read;
  const id = read.value;
  if (!id.startsWith(LICENCE_ID_PREFIX))
    return reject('PREFIX', `a licence identifier starts with ${LICENCE_ID_PREFIX}`);
  const fields = id.slice(LICENCE_ID_PREFIX.length).split('.');
  if (fields.length !== 5) return reject('SEGMENTS', `expected 5 segments after the prefix, got ${fields.length}`);
  const [typeCode, issuerCode, number, version, check] = fields as [string, string, string, string, string];
  const segments = readSegments(typeCode, issuerCode, number, version);
  if (!segments.ok) return segments;
  const expected = checkOf(segments.value);
  if (check !== expected) return reject('CHECK_CHARACTER', `the check character should be ${expected}`);
  return accept({ id: id as LicenceId, ...segments.value, check });
}

/** {@link validateLicenceId}, throwing an IdError of kind `licence-id` when the identifier is invalid. */
export function parseLicenceId(input: string): LicenceIdParts {
  return unwrap('licence-id', validateLicenceId(input));
}

function versionText(version: string | number): string | IdFailure {
  if (typeof version === 'string') return normaliseId(version);
  if (Number.isInteger(version) && version >= 0 && version <= 999) return String(version).padStart(3, '0');
  return reject('VERSION', 'the version is an integer from 0 to 999');
}

/**
 * Builds a licence identifier from its parts (normalised first) and computes the check character.
 * @throws IdError (kind `licence-id`, reason TYPE_CODE, ISSUER_CODE, LICENCE_NUMBER or VERSION) for invalid parts.
 */
export function formatLicenceId(input: LicenceIdInput): LicenceId {
  const version = versionText(input.version);
  if (typeof version !== 'string') throw new IdError('licence-id', version.reason, version.message);
  const typeCode = normaliseId(input.typeCode);
  const issuerCode = normaliseId(input.issuerCode);
  const number = normaliseId(input.number);
  const segments = unwrap('licence-id', readSegments(typeCode, issuerCode, number, version));
  const { typeCode: t, issuerCode: i, number: n, version: v } = segments;
  return `${LICENCE_ID_PREFIX}${t}.${i}.${n}.${v}.${checkOf(segments)}` as LicenceId;
}
