import { Writable } from 'node:stream';
import { type DestinationStream, type Level, type Logger as PinoLogger, pino } from 'pino';
import { maskCitizenIdsInText, maskIdentifier } from './mask.js';

/** The logger every package receives: a pino logger. Make child loggers with `log.child({ ... })`. */
export type Logger = PinoLogger;

/** Log levels, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Paths whose values are personal data: 18-character identifiers are masked (`310107********1234`),
 * anything else is replaced by `[redacted]`. `*` matches one level, so `*.citizenId` covers `holder.citizenId`.
 */
export const PERSONAL_DATA_PATHS: readonly string[] = Object.freeze([
  'citizenId',
  '*.citizenId',
  'holderCode',
  '*.holderCode',
  'holder.code',
  '*.holder.code',
  'idNumber',
  '*.idNumber',
]);

/** Paths whose values are secrets: always replaced by `[redacted]`. */
export const SECRET_PATHS: readonly string[] = Object.freeze([
  'passphrase',
  '*.passphrase',
  'password',
  '*.password',
  'privateKey',
  '*.privateKey',
  // with a citizen ID it confirms the holder of a licence: never in a log
  'holderDigestSalt',
  '*.holderDigestSalt',
  'req.metadata.authorization',
]);

/** Every path the logger redacts: {@link PERSONAL_DATA_PATHS} and {@link SECRET_PATHS}. */
export const REDACT_PATHS: readonly string[] = Object.freeze([...PERSONAL_DATA_PATHS, ...SECRET_PATHS]);

/** What replaces a secret, or personal data that is not an 18-character identifier. */
export const REDACTED = '[redacted]';

const SECRET_KEYS = new Set(['passphrase', 'password', 'privateKey', 'authorization']);

/**
 * The censor used for {@link REDACT_PATHS}: secrets become `[redacted]`; an 18-character identifier at a
 * personal-data path keeps its first 6 and last 4 characters; any other value there becomes `[redacted]`.
 */
export function censor(value: unknown, path: readonly string[]): unknown {
  const key = path[path.length - 1];
  if (key !== undefined && SECRET_KEYS.has(key)) return REDACTED;
  if (value === undefined || value === null) return value;
  return maskIdentifier(value) ?? REDACTED;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel;
  /**
   * The service this logger belongs to, on every line as `service`. Leave it out in a process that hosts several
   * services (the hub): each service then gets a child logger with its own `service`, and every line keeps one key
   * per meaning (`process` for the launcher, `service` for the module).
   */
  service?: string;
  /** The launcher (e.g. `hub`), on every line as `process`. */
  process?: string;
  /** Human-readable single lines instead of JSON (for a terminal; never in production). */
  pretty?: boolean;
  /** Where lines go; default standard output. Tests pass a memory stream. */
  destination?: DestinationStream;
}

/**
 * Creates the pino logger for a service: JSON lines with ISO time, `service` on every line, personal data and
 * secrets redacted by path ({@link REDACT_PATHS}), and, as a last line of defence, any citizen ID that still
 * appears anywhere in a line (a message, an unlisted field, an error) masked before the line is written.
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination(1); // synchronous: no line lost at exit
  const logger = pino(
    {
      level: options.level,
      base: baseOf(options),
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACT_PATHS], censor },
      hooks: { streamWrite: maskCitizenIdsInText },
    },
    options.pretty ? prettyStream(destination) : destination,
  );
  primitivesPastWildcardRedaction(logger);
  return logger;
}

type Stringifier = (value: unknown, ...rest: unknown[]) => string | undefined;

/**
 * pino hands every field of every line, and every binding of every child, to its redactor for the wildcard paths
 * (`*.citizenId`...), primitives included; for a string or a number that redactor parses each path again and
 * allocates (about a third of what a request's log line allocated), though no path below the top level can match
 * inside a primitive. So strings, finite numbers and booleans are written as pino writes them without a redactor
 * (`JSON.stringify`); objects still go through it, and the stringifiers of top-level paths (`citizenId`,
 * `holderCode`...) are left as they are. The last line of defence (`maskCitizenIdsInText`) still sees every line.
 */
function primitivesPastWildcardRedaction(logger: Logger): void {
  const { stringifiersSym, wildcardFirstSym } = pino.symbols;
  const stringifiers = (logger as unknown as Record<symbol, Record<symbol, Stringifier | undefined>>)[stringifiersSym];
  const wildcard = stringifiers?.[wildcardFirstSym];
  if (stringifiers === undefined || wildcard === undefined) return;
  stringifiers[wildcardFirstSym] = (value, ...rest) => {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return JSON.stringify(value);
      case 'number':
        return Number.isFinite(value) ? JSON.stringify(value) : wildcard(value, ...rest);
      default:
        return wildcard(value, ...rest);
    }
  };
}

function baseOf(options: LoggerOptions): Record<string, string> {
  return {
    ...(options.process === undefined ? {} : { process: options.process }),
    ...(options.service === undefined ? {} : { service: options.service }),
  };
}

const LEVEL_NAMES: Record<number, Level> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const OMITTED = new Set(['level', 'time', 'msg', 'process', 'service', 'pid', 'hostname']);

/**
 * A tiny pretty printer (no pino-pretty dependency): `12:00:00.000 INFO  hub: message key=value`.
 * It reads the already-redacted JSON lines, so redaction is the same in both formats.
 */
function prettyStream(target: DestinationStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.length > 0) target.write(`${prettyLine(line)}\n`);
      }
      done();
    },
  });
}

function prettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const level = (LEVEL_NAMES[Number(entry.level)] ?? String(entry.level)).toUpperCase().padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const who = [entry.process, entry.service].filter((v) => v !== undefined).join('/');
  return [time, level, `${who}:`, String(entry.msg ?? ''), ...fields].join(' ').trimEnd();
}
