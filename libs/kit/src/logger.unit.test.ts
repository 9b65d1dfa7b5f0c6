import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { censor, createLogger, PERSONAL_DATA_PATHS, REDACT_PATHS, REDACTED, SECRET_PATHS } from './logger.js';

const CITIZEN_ID = '31010719900307123X';
const MASKED = '310107********123X';

function memory(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

/** Builds an object that holds `value` at a pino redaction path (`*` replaced by a concrete key). */
function objectAt(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.').map((k) => (k === '*' ? 'holder' : k));
  const root: Record<string, unknown> = {};
  let node = root;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) {
      node[key] = value;
      return;
    }
    const child: Record<string, unknown> = {};
    node[key] = child;
    node = child;
  });
  return root;
}

function at(entry: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .map((k) => (k === '*' ? 'holder' : k))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], entry);
}

describe('createLogger redaction', () => {
  it.each(PERSONAL_DATA_PATHS)('masks a citizen ID at %s', (path) => {
    const { stream, lines } = memory();
    createLogger({ level: 'info', service: 'test', destination: stream }).info(objectAt(path, CITIZEN_ID), 'x');
    const [line] = lines();
    expect(line).not.toContain(CITIZEN_ID);
    expect(at(JSON.parse(line!), path)).toBe(MASKED);
  });

  it.each(REDACT_PATHS)('never writes a citizen ID at %s, even through a child logger', (path) => {
    const { stream, lines } = memory();
    const log = createLogger({ level: 'trace', service: 'test', destination: stream });
    log.child({ requestId: 'r1' }).warn(objectAt(path, CITIZEN_ID), 'x');
    log.child(objectAt(path, CITIZEN_ID)).error('bound');
    expect(lines()).toHaveLength(2);
    for (const line of lines()) expect(line).not.toContain(CITIZEN_ID);
  });

  it.each(SECRET_PATHS)('replaces the value at secret path %s', (path) => {
    const { stream, lines } = memory();
    createLogger({ level: 'info', service: 'test', destination: stream }).info(objectAt(path, 'hunter2'), 'x');
    const [line] = lines();
    expect(line).not.toContain('hunter2');
    expect(at(JSON.parse(line!), path)).toBe(REDACTED);
  });

  it('masks a full-width citizen ID (typed with a Chinese input method) at a listed path', () => {
    const { stream, lines } = memory();
    const fullWidth = '３１０１０７１９９００３０７１２３Ｘ';
    createLogger({ level: 'info', service: 'test', destination: stream }).info({ holder: { citizenId: fullWidth } });
    expect(lines()[0]).not.toContain(fullWidth);
    expect(JSON.parse(lines()[0]!).holder.citizenId).toBe(MASKED);
  });

  it('redacts secrets bound to a child logger', () => {
    const { stream, lines } = memory();
    const log = createLogger({ level: 'info', service: 'test', destination: stream });
    log.child({ password: 'hunter2', tls: { privateKey: 'PEM' } }).info('x');
    expect(JSON.parse(lines()[0]!)).toMatchObject({ password: REDACTED, tls: { privateKey: REDACTED } });
  });

  it('replaces non-identifier personal data with [redacted]', () => {
    const { stream, lines } = memory();
    createLogger({ level: 'info', service: 'test', destination: stream }).info({ idNumber: 'G1234567' }, 'x');
    expect(JSON.parse(lines()[0]!).idNumber).toBe(REDACTED);
  });

  it('masks citizen IDs that appear outside the listed paths (message, other fields, errors)', () => {
    const { stream, lines } = memory();
    const log = createLogger({ level: 'info', service: 'test', destination: stream });
    log.info({ note: `holder ${CITIZEN_ID} asked`, nested: { deep: { id: CITIZEN_ID } } }, `lookup ${CITIZEN_ID}`);
    log.error({ err: new Error(`no record for ${CITIZEN_ID}`) }, 'failed');
    const text = lines().join('\n');
    expect(text).not.toContain(CITIZEN_ID);
    expect(text).toContain(MASKED);
  });

  it('keeps other values and writes service and level', () => {
    const { stream, lines } = memory();
    createLogger({ level: 'info', service: 'hub', destination: stream }).info({ certificateId: 'c-1' }, 'issued');
    expect(JSON.parse(lines()[0]!)).toMatchObject({ service: 'hub', level: 30, certificateId: 'c-1', msg: 'issued' });
  });

  it('writes each key once when a launcher logger gets a child per hosted service', () => {
    const { stream, lines } = memory();
    createLogger({ level: 'info', process: 'hub', destination: stream }).child({ service: 'audit' }).info('started');
    const line = lines()[0]!;
    expect(line.match(/"service"/g)).toHaveLength(1);
    expect(line.match(/"process"/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({ process: 'hub', service: 'audit' });
  });

  it('writes primitive fields and bindings as pino does with its redactor (they skip it: ADR 017)', () => {
    const fields = {
      method: '/onceonly.certificate.v1.CertificateService/VerifyCertificate',
      quoted: 'a "quoted" \\ line\nbreak 上海 \u2028',
      durationMs: 12.5,
      count: 0,
      negative: -3,
      infinite: Number.POSITIVE_INFINITY,
      notANumber: Number.NaN,
      ok: true,
      no: false,
      nothing: null,
      big: 12n,
      list: ['a', 1],
      holder: 'a string where an object is expected',
    };
    const ours = memory();
    const reference = memory();
    createLogger({ level: 'info', service: 'hub', destination: ours.stream })
      .child({ requestId: 'r-1', caller: '11310107MB2F12345X' })
      .info(fields, 'grpc call');
    pino(
      { level: 'info', base: { service: 'hub' }, timestamp: false, redact: { paths: [...REDACT_PATHS], censor } },
      reference.stream,
    )
      .child({ requestId: 'r-1', caller: '11310107MB2F12345X' })
      .info(fields, 'grpc call');
    const withoutTime = (line: string) => line.replace(/,"time":"[^"]*"/, '');
    expect(withoutTime(ours.lines()[0]!)).toBe(reference.lines()[0]);
  });

  it('names launcher and service in pretty mode', () => {
    const { stream, lines } = memory();
    const log = createLogger({ level: 'info', process: 'hub', pretty: true, destination: stream });
    log.child({ service: 'audit' }).info('started');
    expect(lines()[0]).toMatch(/INFO {2}hub\/audit: started$/);
  });

  it('redacts in pretty mode too', () => {
    const { stream, lines } = memory();
    const log = createLogger({ level: 'info', service: 'hub', pretty: true, destination: stream });
    log.info({ citizenId: CITIZEN_ID, password: 'hunter2' }, 'hello');
    const [line] = lines();
    expect(line).toMatch(/INFO {2}hub: hello/);
    expect(line).toContain(MASKED);
    expect(line).not.toContain(CITIZEN_ID);
    expect(line).not.toContain('hunter2');
  });
});

describe('censor', () => {
  it('masks 18-character codes and redacts the rest', () => {
    expect(censor(CITIZEN_ID, ['citizenId'])).toBe(MASKED);
    expect(censor('91310000MA1FL4XQ2B', ['holder', 'code'])).toBe('913100********XQ2B');
    expect(censor(12345, ['idNumber'])).toBe(REDACTED);
    expect(censor(CITIZEN_ID, ['req', 'metadata', 'authorization'])).toBe(REDACTED);
  });
});
