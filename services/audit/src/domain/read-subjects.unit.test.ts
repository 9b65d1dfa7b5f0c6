import { describe, expect, it } from 'vitest';
import { readSubjects } from './read-subjects.js';

const MERCHANT = '91310107MA1P3Q4R5X';
const CITIZEN = `h:${'a'.repeat(64)}`;
const MARKET = '11310107MB2C3D4E5F';
const HEALTH = '11310107MB2C3D4E6G';
const LATER = new Date('2030-01-01T00:00:00Z');

describe('readSubjects', () => {
  it('groups the entries of a read by subject and issuing department, in the order first read', () => {
    const { subjects, unowned } = readSubjects([
      { leafIndex: 3, subject: MERCHANT, issuer: MARKET },
      { leafIndex: 5, subject: CITIZEN, issuer: HEALTH },
      { leafIndex: 8, subject: MERCHANT, issuer: MARKET },
      { leafIndex: 9, subject: MERCHANT, issuer: HEALTH },
      { leafIndex: 11, subject: MERCHANT },
    ]);
    expect(subjects).toEqual([
      { subject: MERCHANT, issuer: MARKET, leafIndexes: [3, 8] },
      { subject: CITIZEN, issuer: HEALTH, leafIndexes: [5] },
      { subject: MERCHANT, issuer: HEALTH, leafIndexes: [9] },
      { subject: MERCHANT, leafIndexes: [11] },
    ]);
    expect(unowned).toEqual([]);
  });

  it('keeps secret entries apart, with their secrecy, so that their read stays as secret as they are', () => {
    const { subjects } = readSubjects([
      { leafIndex: 1, subject: CITIZEN, issuer: HEALTH },
      { leafIndex: 2, subject: CITIZEN, issuer: HEALTH, secretUntil: LATER },
    ]);
    expect(subjects).toEqual([
      { subject: CITIZEN, issuer: HEALTH, leafIndexes: [1] },
      { subject: CITIZEN, issuer: HEALTH, secretUntil: LATER, leafIndexes: [2] },
    ]);
  });

  it('sets apart entries with no subject, and reads nothing from nothing', () => {
    expect(readSubjects([{ leafIndex: 0, subject: '' }])).toEqual({ subjects: [], unowned: [0] });
    expect(readSubjects([])).toEqual({ subjects: [], unowned: [] });
  });
});
