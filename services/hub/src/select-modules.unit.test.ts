import type { AppError } from '@onceonly/errors';
import { defineTopic } from '@onceonly/events';
import type { ServiceModule } from '@onceonly/kit';
import { describe, expect, it } from 'vitest';
import { checkPeers, selectModules, serviceNames, topicsOfOthers } from './select-modules.js';

const topic = (name: string) => defineTopic({ name, partitions: 1, owner: name, eventTypes: [] });
const module = (name: string, topics = [topic(`onceonly.${name}.v1`)]): ServiceModule => ({
  name,
  topics,
  start: async () => undefined,
});
const ALL = [module('certificate'), module('credit'), module('audit')];

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a refusal');
}

describe('selectModules (onceonly start --services)', () => {
  it('hosts every module when none is named', () => {
    expect(selectModules(undefined, ALL)).toBe(ALL);
  });

  it("keeps the hub's start order, the audit log last, whatever order they were named in", () => {
    expect(selectModules(['audit', 'certificate'], ALL).map((m) => m.name)).toEqual(['certificate', 'audit']);
  });

  it('refuses an unknown name with CONFIG_INVALID naming it, the option, and the valid services', () => {
    const err = refusal(() => selectModules(['certificate', 'ledger'], ALL, '--services'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.fields).toEqual([expect.objectContaining({ field: '--services', reason: 'CONFIG_INVALID' })]);
    expect(err.fields[0]?.description).toContain('"ledger"');
    expect(err.fields[0]?.description).toContain('certificate, credit, audit');
  });

  it('refuses an empty list', () => {
    expect(refusal(() => selectModules(serviceNames(' , '), ALL)).code).toBe('CONFIG_INVALID');
  });
});

describe('topicsOfOthers', () => {
  it('lists the topics of the modules not hosted here, for an audit log in a process of its own', () => {
    const hosted = selectModules(['audit'], ALL);
    expect(topicsOfOthers(hosted, ALL).map((t) => t.name)).toEqual(['onceonly.certificate.v1', 'onceonly.credit.v1']);
    expect(topicsOfOthers(ALL, ALL)).toEqual([]);
  });
});

describe('serviceNames', () => {
  it('splits the option at commas and trims each name', () => {
    expect(serviceNames('certificate, audit')).toEqual(['certificate', 'audit']);
    expect(serviceNames(undefined)).toBeUndefined();
  });
});

describe('checkPeers', () => {
  const materials: ServiceModule = {
    ...module('materials'),
    peers: [{ service: 'certificate', addressVariable: 'ONCEONLY_MATERIALS_CERTIFICATE_ADDR' }],
  };

  it('needs no address when the peer is hosted in the same process', () => {
    expect(() => checkPeers([module('certificate'), materials], {})).not.toThrow();
  });

  it('refuses a peer hosted elsewhere without its address, naming the variable (CONFIG_MISSING)', () => {
    const err = refusal(() => checkPeers([materials], { ONCEONLY_MATERIALS_CERTIFICATE_ADDR: ' ' }));
    expect(err.code).toBe('CONFIG_MISSING');
    expect(err.fields.map((f) => f.field)).toEqual(['ONCEONLY_MATERIALS_CERTIFICATE_ADDR']);
  });

  it('takes the address when it is given', () => {
    expect(() => checkPeers([materials], { ONCEONLY_MATERIALS_CERTIFICATE_ADDR: 'certificate:50051' })).not.toThrow();
  });
});
