import { AppError } from '@onceonly/errors';
import { describe, expect, it } from 'vitest';
import {
  CERTIFICATE_SOURCE,
  isSecret,
  LICENCES_CHECKED,
  mayRead,
  partiesOf,
  type ReadableEntry,
  type Reader,
  searchScope,
} from './read-access.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const MARKET = '11100000000000001X'; // a department
const HEALTH = '11100000000000002X'; // another department
const PLATFORM = '91310000MA1FL0000A';
const OTHER_PLATFORM = '91310000MA1FL0001B';
const MERCHANT = '91110000600000001L'; // a holder (credit code)
const CITIZEN = 'h:3f2a'; // a citizen holder, as the log keys it

const issuedByMarket: ReadableEntry = {
  source: CERTIFICATE_SOURCE,
  type: 'certificate.issued',
  subject: MERCHANT,
  actor: MARKET,
  issuer: MARKET,
};
const verifiedByPlatform: ReadableEntry = { ...issuedByMarket, type: 'certificate.verified', actor: PLATFORM };
const expiredByTime: ReadableEntry = { ...issuedByMarket, type: 'certificate.expired', actor: undefined };
const issuedByHealthToCitizen: ReadableEntry = { ...issuedByMarket, subject: CITIZEN, actor: HEALTH, issuer: HEALTH };
const checkByPlatform: ReadableEntry = {
  source: CERTIFICATE_SOURCE,
  type: LICENCES_CHECKED,
  subject: PLATFORM,
  actor: PLATFORM,
};
const legacyCheckByPlatform: ReadableEntry = { ...checkByPlatform, actor: undefined };
const checkpoint: ReadableEntry = { source: '/onceonly/audit', type: 'audit.checkpoint.signed', subject: 'origin' };
const sealOfMarket: ReadableEntry = {
  source: CERTIFICATE_SOURCE,
  type: 'seal.created',
  subject: MARKET,
  issuer: MARKET,
};
const secretUntilLater: ReadableEntry = {
  ...issuedByMarket,
  type: 'certificate.suspended',
  secretUntil: new Date('2026-06-01T00:00:00Z'),
};
const secretPassed: ReadableEntry = { ...secretUntilLater, secretUntil: new Date('2026-01-01T00:00:00Z') };

const ALL = {
  issuedByMarket,
  verifiedByPlatform,
  expiredByTime,
  issuedByHealthToCitizen,
  checkByPlatform,
  legacyCheckByPlatform,
  checkpoint,
  sealOfMarket,
  secretUntilLater,
  secretPassed,
};

function readable(reader: Reader): string[] {
  return Object.entries(ALL)
    .filter(([, entry]) => mayRead(reader, entry, NOW))
    .map(([name]) => name)
    .sort();
}

describe('mayRead', () => {
  it('lets an auditor read every entry', () => {
    expect(readable({ code: 'AUDITOR1', role: 'auditor' })).toEqual(Object.keys(ALL).sort());
  });

  it('lets a department read what it did and what is about its certificates and seals, nothing else', () => {
    expect(readable({ code: MARKET, role: 'department' })).toEqual(
      [
        'expiredByTime',
        'issuedByMarket',
        'sealOfMarket',
        'secretPassed',
        'secretUntilLater',
        'verifiedByPlatform',
      ].sort(),
    );
    expect(readable({ code: HEALTH, role: 'department' })).toEqual(['issuedByHealthToCitizen']);
  });

  it('lets a platform read its own licence checks only', () => {
    expect(readable({ code: PLATFORM, role: 'platform' })).toEqual(['checkByPlatform', 'legacyCheckByPlatform']);
    expect(readable({ code: OTHER_PLATFORM, role: 'platform' })).toEqual([]);
  });

  it('does not let a platform read a check keyed by it but made by another', () => {
    expect(mayRead({ code: PLATFORM, role: 'platform' }, { ...checkByPlatform, actor: OTHER_PLATFORM }, NOW)).toBe(
      false,
    );
  });

  it('lets the portal read the entries of the holder it acts for, secret ones only once their time has passed', () => {
    expect(readable({ code: 'PORTAL1', role: 'portal', onBehalfOf: MERCHANT })).toEqual(
      ['expiredByTime', 'issuedByMarket', 'secretPassed', 'verifiedByPlatform'].sort(),
    );
    expect(readable({ code: 'PORTAL1', role: 'portal', onBehalfOf: CITIZEN })).toEqual(['issuedByHealthToCitizen']);
  });

  it('lets the portal read nothing when it names no holder', () => {
    expect(readable({ code: 'PORTAL1', role: 'portal' })).toEqual([]);
    expect(readable({ code: 'PORTAL1', role: 'portal', onBehalfOf: '' })).toEqual([]);
  });

  it('lets an unknown role or an empty code read nothing', () => {
    expect(readable({ code: MARKET, role: 'witness' })).toEqual([]);
    expect(readable({ code: '', role: 'auditor' })).toEqual([]);
    expect(readable({ code: '', role: 'department' })).toEqual([]);
  });
});

describe('isSecret', () => {
  it('holds until the instant set, and not after', () => {
    const until = new Date('2026-03-01T00:00:00Z');
    expect(isSecret({ secretUntil: until }, new Date(until.getTime() - 1))).toBe(true);
    expect(isSecret({ secretUntil: until }, until)).toBe(false);
    expect(isSecret({}, NOW)).toBe(false);
  });
});

function deniedCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? err.code : 'not an AppError';
  }
  return undefined;
}

describe('searchScope', () => {
  it('pins a platform search to its own checks', () => {
    expect(searchScope({ code: PLATFORM, role: 'platform' }, {}).filter).toEqual({
      subject: PLATFORM,
      type: LICENCES_CHECKED,
      source: CERTIFICATE_SOURCE,
    });
  });

  it("refuses a platform's search for another subject, type or source", () => {
    const platform = { code: PLATFORM, role: 'platform' };
    expect(deniedCode(() => searchScope(platform, { subject: MERCHANT }))).toBe('AUDIT_READ_DENIED');
    expect(deniedCode(() => searchScope(platform, { type: 'certificate.issued' }))).toBe('AUDIT_READ_DENIED');
    expect(deniedCode(() => searchScope(platform, { source: '/onceonly/audit' }))).toBe('AUDIT_READ_DENIED');
  });

  it('makes the portal name the holder and reads on its behalf', () => {
    const portal = { code: 'PORTAL1', role: 'portal' };
    expect(deniedCode(() => searchScope(portal, {}))).toBe('AUDIT_READ_DENIED');
    expect(searchScope(portal, { subject: CITIZEN }).reader.onBehalfOf).toBe(CITIZEN);
  });

  it('lets departments and auditors search with their own filter, and refuses unknown roles', () => {
    expect(searchScope({ code: MARKET, role: 'department' }, { subject: MERCHANT }).filter).toEqual({
      subject: MERCHANT,
    });
    expect(searchScope({ code: 'A', role: 'auditor' }, {}).filter).toEqual({});
    expect(deniedCode(() => searchScope({ code: 'W', role: 'witness' }, {}))).toBe('AUDIT_READ_DENIED');
  });
});

describe('partiesOf', () => {
  it('reads actor, issuer and secretuntil from the extension attributes', () => {
    expect(partiesOf({ actor: MARKET, issuer: HEALTH, secretuntil: '2026-06-01T00:00:00Z', other: 'x' })).toEqual({
      actor: MARKET,
      issuer: HEALTH,
      secretUntil: new Date('2026-06-01T00:00:00Z'),
    });
    expect(partiesOf(undefined)).toEqual({});
  });

  it('keeps an entry secret for good when its secrecy date does not parse', () => {
    const { secretUntil } = partiesOf({ secretuntil: 'next spring' });
    expect(secretUntil?.getUTCFullYear()).toBe(9999);
  });
});
