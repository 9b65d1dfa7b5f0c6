import { AppError } from '@onceonly/errors';
import { formatLicenceId, type LicenceId } from '@onceonly/ids';
import type { CertificateType } from './catalogue.js';
import type { Holder } from './holder.js';

/**
 * Licence numbers (证照编号) and identifiers (证照标识).
 *
 * A number is `<prefix><division><yyyy><6-digit sequence>`, e.g. `JY3101072025000042` for the 42nd food business
 * licence issued in Putuo in 2025: it is unique per type, says where and when it was first issued, and uses only
 * 0-9 A-Z so that it fits the licence identifier. The sequence counts per (type, division, year); the store keeps
 * the counter. A 营业执照's number is the holder's credit code. The number stays the same across versions (change,
 * renewal, reissue); the identifier changes with the version.
 */

/** The largest sequence a number can carry. */
export const MAX_SEQUENCE = 999_999;

/** What a number is made of. */
export interface NumberInput {
  readonly type: CertificateType;
  readonly holder: Holder;
  readonly division: string;
  /** Year of first issue. */
  readonly year: number;
  /** 1..{@link MAX_SEQUENCE}, from the counter of {@link numberScope}; ignored for holder-code numbering. */
  readonly sequence: number;
}

/**
 * The counter a number draws its sequence from: `<type code>:<division>:<year>`; undefined when the type numbers
 * by holder code (no counter is needed).
 */
export function numberScope(type: CertificateType, division: string, year: number): string | undefined {
  return type.numbering.kind === 'prefix' ? `${type.typeCode}:${division}:${year}` : undefined;
}

/**
 * The licence number.
 * @throws AppError CERT_NUMBER_EXHAUSTED past {@link MAX_SEQUENCE}; INVALID_ARGUMENT for a holder-code type whose
 * holder has no credit code (the catalogue lets only `001` holders hold such types).
 */
export function licenceNumber(input: NumberInput): string {
  const { type, holder, division, year, sequence } = input;
  if (type.numbering.kind === 'holder-code') {
    if (holder.code === undefined) throw new AppError('INVALID_ARGUMENT', `a ${type.nameEn} needs a credit code`);
    return holder.code;
  }
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > MAX_SEQUENCE) {
    throw new AppError('CERT_NUMBER_EXHAUSTED', `sequence ${sequence} is outside 1-${MAX_SEQUENCE}`, {
      details: { meta: { scope: numberScope(type, division, year) ?? '' } },
    });
  }
  return `${type.numbering.prefix}${division}${year}${String(sequence).padStart(6, '0')}`;
}

/** What an identifier is made of. */
export interface IdentifierInput {
  readonly typeCode: string;
  readonly issuerCode: string;
  readonly number: string;
  /** 1..999. */
  readonly version: number;
}

/**
 * The licence identifier `1.2.156.3005.2.<type>.<issuer>.<number>.<version, 3 digits>.<check>`.
 * @throws IdError when a part is malformed (a bug: the parts come from the catalogue and validated input).
 */
export function licenceIdentifier(input: IdentifierInput): LicenceId {
  return formatLicenceId(input);
}
