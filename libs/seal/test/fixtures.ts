/**
 * Test fixtures: a frozen clock, a hub CA, a department seal with its certificate and signer, and a typical food
 * business licence payload (食品经营许可证) with the national metadata fields. Real crypto throughout.
 */
import type { KeyObject } from 'node:crypto';
import {
  type CertificateAuthority,
  createRootCa,
  generateKeyPair,
  issueSealCertificate,
  type KeyPair,
  LocalKeySigner,
  parseTrustBundle,
  type TrustBundle,
  trustBundlePem,
} from '../src/index.js';

/** The frozen "now" of the tests: 2024-05-01 08:00 Beijing time. */
export const NOW = new Date('2024-05-01T00:00:00Z');
export const clock = () => NOW;
export const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** 上海市普陀区市场监督管理局 and its credit code (check character computed with @onceonly/ids). */
export const PUTUO_SAMR = { code: '11310107002429311T', name: '上海市普陀区市场监督管理局', division: '310107' };

/** When the test CA was made: it is valid 2023-01-01 to 2033-01-01. */
export const CA_BORN = new Date('2023-01-01T00:00:00Z');

export function makeCa(commonName = 'OnceOnly Hub Root CA'): CertificateAuthority {
  return createRootCa({ commonName, organisation: '上海市普陀区人民政府', validityYears: 10, clock: () => CA_BORN });
}

export interface SealFixture {
  ca: CertificateAuthority;
  keyPair: KeyPair;
  certPem: string;
  signer: LocalKeySigner;
  bundle: TrustBundle;
  bundlePem: string;
}

export interface SealFixtureOptions {
  ca?: CertificateAuthority;
  validFrom?: Date;
  validTo?: Date;
  sealId?: string;
  publicKey?: KeyObject;
}

/** A seal of 上海市普陀区市场监督管理局, valid 2024-01-01 to 2027-01-01 unless told otherwise. */
export function makeSeal(options: SealFixtureOptions = {}): SealFixture {
  const ca = options.ca ?? makeCa();
  const keyPair = generateKeyPair();
  const certPem = issueSealCertificate({
    ca,
    sealId: options.sealId ?? '3101070000001',
    department: PUTUO_SAMR,
    sealName: '上海市普陀区市场监督管理局行政许可专用章',
    sealType: '行政许可专用章',
    validFrom: options.validFrom ?? new Date('2024-01-01T00:00:00Z'),
    validTo: options.validTo ?? new Date('2027-01-01T00:00:00Z'),
    publicKey: options.publicKey ?? keyPair.publicKey,
  });
  const signer = new LocalKeySigner({
    privateKey: keyPair.privateKey,
    certificatePem: certPem,
    caCertificatePem: ca.certPem,
  });
  const bundlePem = trustBundlePem([ca.certPem, certPem]);
  return { ca, keyPair, certPem, signer, bundle: parseTrustBundle(bundlePem), bundlePem };
}

/**
 * A typical 食品经营许可证 as the certificate service would seal it: the national metadata fields and nine face
 * fields (照面信息).
 */
export function foodLicencePayload(iat = seconds(NOW)) {
  return {
    licenceName: '食品经营许可证',
    typeCode: '11100000000013338W032',
    licenceNumber: 'JY23101070012345',
    licenceId: '1.2.156.3005.2.11100000000013338W032.11310107002429311T.JY23101070012345.001.T',
    issuer: '上海市普陀区市场监督管理局',
    issuerCode: '11310107002429311T',
    issueDate: '2024-05-01',
    validFrom: '2024-05-01',
    validTo: '2029-04-30',
    holderName: '上海真北餐饮管理有限公司',
    holderCode: '91310107MA1G8XYW3Q',
    holderCodeType: '001',
    division: '310107',
    face: {
      经营者名称: '上海真北餐饮管理有限公司',
      统一社会信用代码: '91310107MA1G8XYW3Q',
      法定代表人: '王建国',
      住所: '上海市普陀区真北路1588号2幢101室',
      经营场所: '上海市普陀区真北路1588号2幢1层101室',
      主体业态: '餐饮服务经营者（中型餐馆）',
      经营项目: '热食类食品制售；冷食类食品制售；自制饮品制售',
      日常监督管理机构: '上海市普陀区市场监督管理局',
      投诉举报电话: '12315',
    },
    iat,
  };
}
