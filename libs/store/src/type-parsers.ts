import pg from 'pg';

/**
 * How column values come back, identically on both backends. node-postgres' parsers (pg-types) are the reference
 * and PGlite is given the same ones, with two deliberate exceptions:
 * - int8 / bigint (and so `count(*)`): a decimal string. Numbers would silently lose precision past 2^53, and
 *   PGlite's default (a number, or a BigInt when large) changes type with the value. Cast to `::int` when small.
 * - date: the text `YYYY-MM-DD`. node-postgres makes a Date at local midnight, PGlite one at UTC midnight;
 *   a calendar date has no time zone, so it stays a string.
 * timestamptz comes back as a Date (millisecond precision); numeric as a string; json/jsonb parsed.
 */
type TextParser = (value: string) => unknown;

const { builtins } = pg.types;
const keepText: TextParser = (value) => value;
const OVERRIDES: Partial<Record<number, TextParser>> = {
  [builtins.INT8]: keepText,
  [builtins.DATE]: keepText,
};
const DATE_ARRAY: number = 1182;
const TEXT_ARRAY: number = 1009;

function textParser(oid: number): TextParser {
  const override = OVERRIDES[oid];
  if (override) return override;
  // date[] follows date: strings (pg-types would parse each element into a local-midnight Date)
  if (oid === DATE_ARRAY) return pg.types.getTypeParser(TEXT_ARRAY, 'text');
  return pg.types.getTypeParser(oid, 'text');
}

/** Per-pool parsers for node-postgres (the global `pg.types` stays untouched). */
export function pgTypeParsers(): pg.CustomTypesConfig {
  const getTypeParser = (oid: number, format?: 'text' | 'binary') =>
    format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : textParser(oid);
  return { getTypeParser } as pg.CustomTypesConfig;
}

/** Parsers for PGlite: node-postgres' parser for every built-in type, with the same overrides (arrays follow). */
export function pgliteParsers(): Record<number, TextParser> {
  const parsers: Record<number, TextParser> = {};
  for (const oid of Object.values(builtins)) parsers[oid] = textParser(oid);
  return parsers;
}

/**
 * Parameters as both backends should see them: a Date as its ISO instant (node-postgres would otherwise send local
 * time, PGlite UTC; the same instant, but a `date` column would get different days).
 */
export function prepareParams(params: readonly unknown[] | undefined): unknown[] {
  if (params === undefined) return [];
  return params.map((value) => (value instanceof Date ? value.toISOString() : value));
}
