import type { Brand } from './brand.js';
import { accept, type IdValidation, reject, unwrap } from './id-result.js';
import { readInput } from './normalise.js';

/** A well-formed 6-digit administrative division code (GB/T 2260) whose first two digits name a PRC province. */
export type DivisionCode = Brand<string, 'DivisionCode'>;

/**
 * The province-level codes of GB/T 2260: 31 provinces, autonomous regions and municipalities, plus 71 Taiwan,
 * 81 Hong Kong and 82 Macao.
 */
export const PROVINCE_CODES: readonly string[] = Object.freeze(
  '11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82'.split(' '),
);

/** One named division. */
export interface Division {
  readonly code: string;
  /** Chinese name, as on official documents. */
  readonly zh: string;
  /** English name. */
  readonly en: string;
}

const division = (code: string, zh: string, en: string): Division => Object.freeze({ code, zh, en });

/** Shanghai: the city and its 16 districts. */
export const SHANGHAI_DIVISIONS: readonly Division[] = Object.freeze([
  division('310000', '上海市', 'Shanghai'),
  division('310101', '黄浦区', 'Huangpu District'),
  division('310104', '徐汇区', 'Xuhui District'),
  division('310105', '长宁区', 'Changning District'),
  division('310106', '静安区', "Jing'an District"),
  division('310107', '普陀区', 'Putuo District'),
  division('310109', '虹口区', 'Hongkou District'),
  division('310110', '杨浦区', 'Yangpu District'),
  division('310112', '闵行区', 'Minhang District'),
  division('310113', '宝山区', 'Baoshan District'),
  division('310114', '嘉定区', 'Jiading District'),
  division('310115', '浦东新区', 'Pudong New Area'),
  division('310116', '金山区', 'Jinshan District'),
  division('310117', '松江区', 'Songjiang District'),
  division('310118', '青浦区', 'Qingpu District'),
  division('310120', '奉贤区', 'Fengxian District'),
  division('310151', '崇明区', 'Chongming District'),
]);

const BY_CODE = new Map(SHANGHAI_DIVISIONS.map((d) => [d.code, d]));

/**
 * Checks a division code: six digits whose province part is in {@link PROVINCE_CODES}. The rest is not looked up,
 * on purpose: identity numbers keep the division of first issue, and many of those codes were abolished since
 * (310103 卢湾区, 310108 闸北区, 310230 崇明县, ...), so a table of current codes would reject real numbers.
 */
export function validateDivision(input: string): IdValidation<DivisionCode> {
  const read = readInput(input);
  if (!read.ok) return read;
  const code = read.value;
  if (code.length !== 6) return reject('LENGTH', `a division code has 6 digits, got ${code.length} characters`);
  if (!/^\d{6}$/.test(code)) return reject('ALPHABET', 'a division code has digits only');
  if (!PROVINCE_CODES.includes(code.slice(0, 2))) return reject('DIVISION', 'the first two digits name no province');
  return accept(code as DivisionCode);
}

/** {@link validateDivision}, throwing an IdError of kind `division` when the code is invalid. */
export function parseDivision(input: string): DivisionCode {
  return unwrap('division', validateDivision(input));
}

/** The name of a known (Shanghai) division, in Chinese by default; undefined for any other code. */
export function divisionName(code: string, lang: 'zh' | 'en' = 'zh'): string | undefined {
  return BY_CODE.get(code.trim())?.[lang];
}
