import { AppError, type FieldViolation } from '@onceonly/errors';

/**
 * One variable of a configuration schema: how to parse it, whether it is required, its default and its doc.
 * `T` is the parsed type; `R` is true when the loaded value is always present (required, or defaulted).
 * Build fields with {@link str}, {@link int}, {@link bool}, {@link url}, {@link hostPort}, {@link list},
 * {@link oneOf}, {@link duration}; never by hand.
 */
export interface Field<T, R extends boolean = boolean> {
  /** Short type name for documentation: `string`, `int`, `host:port`... */
  readonly type: string;
  /** What a valid value looks like, for error messages: `an integer between 1 and 65535`. */
  readonly expected: string;
  /** One sentence for operators (shown by {@link describeConfig}). */
  readonly doc: string;
  readonly default: T | undefined;
  readonly optional: boolean;
  /** A secret's value is never echoed in errors nor shown as a default. */
  readonly secret: boolean;
  /** Writes a value as an operator would set it (the default, in {@link describeConfig}); default `String`. */
  show?(value: T): string;
  /** Parses a raw, non-empty value; throws {@link Expected} when it is malformed. */
  parse(raw: string): T;
  /** Type-level marker only (never set at run time). */
  readonly __present?: R;
}

/** A configuration schema: environment variable name → field. The loaded object uses the same names. */
export type ConfigSchema = Record<string, Field<unknown>>;

/** The frozen object that {@link loadConfig} returns for a schema. */
export type ConfigOf<S extends ConfigSchema> = {
  readonly [K in keyof S]: S[K] extends Field<infer T, infer R> ? (R extends true ? T : T | undefined) : never;
};

/** Options every field builder takes. */
export interface FieldOptions {
  /** One sentence for operators: what the variable is for. */
  doc: string;
  /** True for passwords, keys and URLs that embed credentials: the value never appears in messages. */
  secret?: boolean;
}

type Presence<T> = { default: T; optional?: false } | { default?: undefined; optional?: false };
type Optional = { optional: true; default?: undefined };

/** Thrown by a field's parser: the text says what was expected (the loader adds the variable and the value). */
export class Expected extends Error {
  override readonly name = 'Expected';
}

function field<T>(
  type: string,
  expected: string,
  options: FieldOptions & { default?: T; optional?: boolean },
  parse: (raw: string) => T,
): Field<T> {
  return Object.freeze({
    type,
    expected,
    doc: options.doc,
    // a default list is shared by every load: freeze it like a parsed one
    default: Array.isArray(options.default) ? (Object.freeze([...options.default]) as T) : options.default,
    optional: options.optional === true,
    secret: options.secret === true,
    parse,
  });
}

/** Options of {@link str}. */
export interface StrOptions extends FieldOptions {
  /** The whole value must match (anchors are added). */
  pattern?: RegExp;
  /** Said in errors when the pattern does not match, e.g. `a department code`. */
  patternDoc?: string;
}

/** A string, optionally matching a pattern. */
export function str(options: StrOptions & Optional): Field<string, false>;
export function str(options: StrOptions & Presence<string>): Field<string, true>;
export function str(options: StrOptions & { default?: string; optional?: boolean }): Field<string> {
  const { pattern } = options;
  const anchored = pattern ? new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace('g', '')) : undefined;
  const expected = pattern ? (options.patternDoc ?? `a value matching ${pattern}`) : 'a string';
  return field('string', expected, options, (raw) => {
    if (anchored && !anchored.test(raw)) throw new Expected(expected);
    return raw;
  });
}

/** Options of {@link int}. */
export interface IntOptions extends FieldOptions {
  min?: number;
  max?: number;
}

/** A base-10 integer, optionally bounded (inclusive). */
export function int(options: IntOptions & Optional): Field<number, false>;
export function int(options: IntOptions & Presence<number>): Field<number, true>;
export function int(options: IntOptions & { default?: number; optional?: boolean }): Field<number> {
  const { min, max } = options;
  const expected = intExpectation(min, max);
  return field('int', expected, options, (raw) => {
    if (!/^[+-]?\d{1,15}$/.test(raw)) throw new Expected(expected);
    const value = Number(raw);
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) throw new Expected(expected);
    return value;
  });
}

function intExpectation(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `an integer between ${min} and ${max}`;
  if (min !== undefined) return `an integer >= ${min}`;
  if (max !== undefined) return `an integer <= ${max}`;
  return 'an integer';
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** A boolean: true/false, 1/0, yes/no, on/off (any case). */
export function bool(options: FieldOptions & Optional): Field<boolean, false>;
export function bool(options: FieldOptions & Presence<boolean>): Field<boolean, true>;
export function bool(options: FieldOptions & { default?: boolean; optional?: boolean }): Field<boolean> {
  const expected = 'true or false';
  return field('bool', expected, options, (raw) => {
    const lower = raw.toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    throw new Expected(expected);
  });
}

/** Options of {@link url}. */
export interface UrlOptions extends FieldOptions {
  /** Allowed schemes without the colon, e.g. `['postgres', 'postgresql']`. Default: any. */
  protocols?: readonly string[];
}

/** An absolute URL, kept as the string given (so that credentials in it are not re-serialised anywhere). */
export function url(options: UrlOptions & Optional): Field<string, false>;
export function url(options: UrlOptions & Presence<string>): Field<string, true>;
export function url(options: UrlOptions & { default?: string; optional?: boolean }): Field<string> {
  const { protocols } = options;
  const expected = protocols ? `a URL (${protocols.map((p) => `${p}:`).join(', ')})` : 'an absolute URL';
  return field('url', expected, options, (raw) => {
    if (!URL.canParse(raw)) throw new Expected(expected);
    const scheme = new URL(raw).protocol.slice(0, -1);
    if (protocols && !protocols.includes(scheme)) throw new Expected(expected);
    return raw;
  });
}

/**
 * Parses `host:port`, `[ipv6]:port`; the port may be 0 (pick a free one). Returns undefined when malformed.
 * Exported for the gRPC server, which checks that a development identity binds to loopback only.
 */
export function parseHostPort(raw: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port > 65535) return undefined;
  return { host: match[1]!, port };
}

/** A `host:port` address such as `127.0.0.1:50051` or `[::1]:0`, kept as a string. */
export function hostPort(options: FieldOptions & Optional): Field<string, false>;
export function hostPort(options: FieldOptions & Presence<string>): Field<string, true>;
export function hostPort(options: FieldOptions & { default?: string; optional?: boolean }): Field<string> {
  const expected = 'host:port';
  return field('host:port', expected, options, (raw) => {
    if (!parseHostPort(raw)) throw new Expected(expected);
    return raw;
  });
}

/** Options of {@link list}. */
export interface ListOptions<T> extends FieldOptions {
  /** How each item is parsed (its `doc` is ignored). Default: any string. */
  of?: Field<T>;
}

/** A comma-separated list; items are trimmed and empty items dropped. The result is frozen. */
export function list<T = string>(options: ListOptions<T> & Optional): Field<readonly T[], false>;
export function list<T = string>(options: ListOptions<T> & Presence<readonly T[]>): Field<readonly T[], true>;
export function list<T = string>(
  options: ListOptions<T> & { default?: readonly T[]; optional?: boolean },
): Field<readonly T[]> {
  const item = options.of;
  const expected = item ? `a comma-separated list of ${item.expected}` : 'a comma-separated list';
  const type = item ? `list of ${item.type}` : 'list';
  return field(type, expected, options, (raw) => {
    const parts = raw
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    if (parts.length === 0) throw new Expected(expected);
    return Object.freeze(
      parts.map((part, i) => {
        if (!item) return part as T;
        try {
          return item.parse(part);
        } catch (err) {
          if (err instanceof Expected) throw new Expected(`item ${i + 1}: ${err.message}`, { cause: { part } });
          throw err;
        }
      }),
    );
  });
}

/** One of a closed set of strings; the loaded type is their union. */
export function oneOf<const V extends readonly string[]>(
  values: V,
  options: FieldOptions & Optional,
): Field<V[number], false>;
export function oneOf<const V extends readonly string[]>(
  values: V,
  options: FieldOptions & Presence<V[number]>,
): Field<V[number], true>;
export function oneOf<const V extends readonly string[]>(
  values: V,
  options: FieldOptions & { default?: V[number]; optional?: boolean },
): Field<V[number]> {
  const expected = `one of ${values.join(', ')}`;
  return field(values.join('|'), expected, options, (raw) => {
    if (!values.includes(raw)) throw new Expected(expected);
    return raw as V[number];
  });
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration such as `7d`, `12h`, `30m`, `45s` or `500ms`, loaded as milliseconds; `0` or `off` load as 0 (the
 * variable's feature is off). The default is given the same way (`default: '7d'`).
 */
export function duration(options: FieldOptions & { default: string }): Field<number, true>;
export function duration(options: FieldOptions & Optional): Field<number, false>;
export function duration(options: FieldOptions & { default?: string; optional?: boolean }): Field<number> {
  const expected = 'a duration (7d, 12h, 30m, 45s, 500ms), or 0/off';
  const parse = (raw: string): number => {
    const lower = raw.toLowerCase();
    if (lower === 'off' || lower === '0') return 0;
    const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(lower);
    if (!match) throw new Expected(expected);
    return Number(match[1]) * DURATION_UNITS[match[2]!]!;
  };
  const { default: raw, ...rest } = options;
  return Object.freeze({
    ...field('duration', expected, { ...rest, ...(raw === undefined ? {} : { default: parse(raw) }) }, parse),
    show: showDuration,
  });
}

/** A number of milliseconds in the largest unit that divides it (`604800000` → `7d`); 0 is `off`. */
export function showDuration(ms: number): string {
  if (ms === 0) return 'off';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % DURATION_UNITS[unit]! === 0) return `${ms / DURATION_UNITS[unit]!}${unit}`;
  }
  return `${ms}ms`;
}

/** Longest value echoed in an error message; longer ones are cut (one line, no log flooding). */
const ECHO_LIMIT = 60;

function echo(raw: string, secret: boolean, cause: unknown): string {
  if (secret) return 'a value that is not shown (secret)';
  // a list item names the part at fault, which is shorter and more useful than the whole list
  const shown = isPart(cause) ? cause.part : raw;
  const cut = shown.length > ECHO_LIMIT ? `${shown.slice(0, ECHO_LIMIT)}…` : shown;
  return JSON.stringify(cut);
}

function isPart(cause: unknown): cause is { part: string } {
  return typeof cause === 'object' && cause !== null && typeof (cause as { part?: unknown }).part === 'string';
}

/**
 * Loads a schema from the environment and fails fast. A required variable that is unset or empty gives an AppError
 * CONFIG_MISSING, a malformed one CONFIG_INVALID. The message is one line naming the first variable at fault
 * (`ONCEONLY_GRPC_ADDR: expected host:port, got "abc"`); every problem is listed in `details.fields`.
 * Values of secret fields are never echoed.
 *
 * @returns a frozen object keyed by variable name, typed from the schema.
 */
export function loadConfig<S extends ConfigSchema>(schema: S, env: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const values: Record<string, unknown> = {};
  const problems: FieldViolation[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') {
      if (spec.default === undefined && !spec.optional) {
        problems.push({ field: name, reason: 'CONFIG_MISSING', description: `${name}: required, ${spec.expected}` });
      }
      values[name] = spec.default;
      continue;
    }
    try {
      values[name] = spec.parse(raw);
    } catch (err) {
      if (!(err instanceof Expected)) throw err;
      const description = `${name}: expected ${err.message}, got ${echo(raw, spec.secret, err.cause)}`;
      problems.push({ field: name, reason: 'CONFIG_INVALID', description });
    }
  }
  const first = problems[0];
  if (first) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more: ${names(problems.slice(1))})` : '';
    const code = first.reason === 'CONFIG_MISSING' ? 'CONFIG_MISSING' : 'CONFIG_INVALID';
    throw new AppError(code, `${first.description}${more}`, { details: { fields: problems } });
  }
  return Object.freeze(values) as ConfigOf<S>;
}

function names(problems: FieldViolation[]): string {
  return problems.map((p) => p.field).join(', ');
}

/** One variable as {@link describeConfig} documents it. */
export interface ConfigVariable {
  name: string;
  type: string;
  required: boolean;
  /** The default as text; `(secret)` for secrets that have one; undefined when there is none. */
  default: string | undefined;
  secret: boolean;
  doc: string;
}

/** Lists a schema's variables with their types, defaults and docs (for `--help` output and READMEs). */
export function describeConfig(schema: ConfigSchema): ConfigVariable[] {
  return Object.entries(schema).map(([name, spec]) => ({
    name,
    type: spec.type,
    required: spec.default === undefined && !spec.optional,
    default:
      spec.default === undefined
        ? undefined
        : spec.secret
          ? '(secret)'
          : spec.show
            ? spec.show(spec.default)
            : formatDefault(spec.default),
    secret: spec.secret,
    doc: spec.doc,
  }));
}

function formatDefault(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** {@link describeConfig} as aligned text lines, one variable per line, for `--help`. */
export function formatConfigHelp(schema: ConfigSchema): string {
  const rows = describeConfig(schema);
  const width = Math.max(0, ...rows.map((r) => r.name.length));
  return rows
    .map((r) => {
      const presence = r.required ? 'required' : r.default === undefined ? 'optional' : `default ${r.default}`;
      return `  ${r.name.padEnd(width)}  ${r.doc} [${r.type}; ${presence}]`;
    })
    .join('\n');
}
