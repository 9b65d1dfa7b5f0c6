import { type Logger, pino } from 'pino';

let silent: Logger | undefined;

/** A logger that writes nothing: the default when a caller passes none. */
export function silentLogger(): Logger {
  silent ??= pino({ level: 'silent' });
  return silent;
}
