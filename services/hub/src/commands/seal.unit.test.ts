import { sealV1 } from '@onceonly/contracts';
import { describe, expect, it } from 'vitest';
import { buildCli } from '../cli.js';
import { sealKidArgument, sealLine, validityDaysOf } from './seal.js';

describe('validityDaysOf', () => {
  it('turns whole years into days, and no option into the hub default (0)', () => {
    expect(validityDaysOf(undefined)).toBe(0);
    expect(validityDaysOf('3')).toBe(1095);
  });

  it.each(['0', '11', '1.5', '-2', 'three'])('refuses --valid-years %s', (years) => {
    expect(() => validityDaysOf(years)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('sealLine', () => {
  it('shows kid, status, kind, department, name and validity', () => {
    const seal = sealV1.Seal.fromPartial({
      kid: 'AbCdEfGhIjKlMnOpQrSt-_',
      status: sealV1.SealStatus.SEAL_STATUS_REVOKED,
      kind: sealV1.SealKind.SEAL_KIND_INDUSTRY_LICENCE,
      departmentCode: '12310107MB2F05636X',
      name: '上海市普陀区行业综合许可专用章',
      notBefore: '2025-01-01T00:00:00.000Z',
      notAfter: '2028-01-01T00:00:00.000Z',
      compromisedAt: '2025-06-01T00:00:00.000Z',
    });
    expect(sealLine(seal)).toBe(
      'AbCdEfGhIjKlMnOpQrSt-_  revoked  industry-licence  12310107MB2F05636X  上海市普陀区行业综合许可专用章  ' +
        'valid 2025-01-01T00:00:00.000Z .. 2028-01-01T00:00:00.000Z compromised 2025-06-01T00:00:00.000Z',
    );
  });
});

describe('the onceonly command line', () => {
  it('has seal create|list|rotate|revoke and trust bundle', async () => {
    const program = await buildCli();
    const seal = program.commands.find((c) => c.name() === 'seal');
    expect(seal?.commands.map((c) => c.name())).toEqual(['create', 'list', 'rotate', 'revoke']);
    const trust = program.commands.find((c) => c.name() === 'trust');
    expect(trust?.commands.map((c) => c.name())).toEqual(['bundle']);
  });
});

describe('sealKidArgument', () => {
  it('takes a kid that begins with a dash, which a parser would read as an option', () => {
    expect(sealKidArgument('-bmtIOn6XkLxbxu61N2NsA')).toBe('-bmtIOn6XkLxbxu61N2NsA');
    expect(sealKidArgument('lGUyeKQ8zPqwC4UDIicbJw')).toBe('lGUyeKQ8zPqwC4UDIicbJw');
  });

  it('refuses a mistyped option or a malformed kid with a coded field error', () => {
    for (const value of ['--reasn', 'abc', '-bmtIOn6XkLxbxu61N2NsA=']) {
      expect(() => sealKidArgument(value)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
