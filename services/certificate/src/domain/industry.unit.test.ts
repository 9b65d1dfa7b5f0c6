import { describe, expect, it } from 'vitest';
import {
  daysLater,
  enterprise,
  FOOD,
  foodLicence,
  MARKET,
  NOW,
  newId,
  OTHER_ENTERPRISE_CODE,
  TODAY,
  thrown,
  type,
} from '../../test/fixtures.js';
import { TYPE_CODES } from './catalogue.js';
import type { CertificateState } from './certificate.js';
import { PUTUO_CULTURE_TOURISM, PUTUO_HEALTH, PUTUO_MARKET_REGULATION, PUTUO_SERVICE_CENTRE } from './departments.js';
import type { Holder } from './holder.js';
import { requireIndustry } from './industries.js';
import {
  type ComponentInput,
  deriveIndustryStatus,
  type IssueIndustryCommand,
  issueIndustryLicence,
} from './industry.js';
import { issueCertificate } from './issue.js';
import { LicenceStatus } from './lifecycle-codes.js';
import { change } from './new-versions.js';
import { revoke, suspend } from './status-changes.js';

const CENTRE = { departmentCode: PUTUO_SERVICE_CENTRE.code };
const CULTURE = { departmentCode: PUTUO_CULTURE_TOURISM.code };
const HEALTH = { departmentCode: PUTUO_HEALTH.code };
const INDUSTRY_TYPE = type(TYPE_CODES.INDUSTRY_LICENCE);
const PREMISES = '上海市普陀区长寿路100号';

function filmLicence(holder: Holder): CertificateState {
  return issueCertificate(
    {
      actor: CULTURE,
      issuer: PUTUO_CULTURE_TOURISM,
      type: type(TYPE_CODES.FILM_SCREENING),
      holder,
      fields: { legal_representative: '王芳', premises: PREMISES, screens: '6', seats: '820' },
      validTo: '2027-12-31',
    },
    { id: newId(), now: NOW, sequence: 7 },
  ).certificate;
}

function hygieneLicence(holder: Holder): CertificateState {
  return issueCertificate(
    {
      actor: HEALTH,
      issuer: PUTUO_HEALTH,
      type: type(TYPE_CODES.PUBLIC_HYGIENE),
      holder,
      fields: { legal_representative: '王芳', premises: PREMISES, venue_category: '影剧院', licensed_items: '影剧院' },
    },
    { id: newId(), now: NOW, sequence: 8 },
  ).certificate;
}

const input = (certificate: CertificateState): ComponentInput => ({ certificate, digest: `sha256-${certificate.id}` });

function cinema(components: readonly CertificateState[], holder = enterprise()): IssueIndustryCommand {
  return {
    actor: CENTRE,
    issuer: PUTUO_SERVICE_CENTRE,
    type: INDUSTRY_TYPE,
    industry: requireIndustry('cinema'),
    holder,
    components: components.map(input),
    fields: { legal_representative: '王芳', premises: PREMISES },
  };
}

function cinemaParts() {
  const holder = enterprise();
  return { film: filmLicence(holder), hygiene: hygieneLicence(holder), food: foodLicence(holder) };
}

const issue = (command: IssueIndustryCommand) => issueIndustryLicence(command, { id: newId(), now: NOW, sequence: 1 });

describe('issuing an industry licence (一业一证)', () => {
  it('bundles the components with their digests, valid until the earliest component end', () => {
    const { film, hygiene, food } = cinemaParts();
    const { certificate, event } = issue(cinema([film, hygiene, food]));
    expect(certificate).toMatchObject({
      name: '行业综合许可证',
      typeCode: TYPE_CODES.INDUSTRY_LICENCE,
      issuer: { code: PUTUO_SERVICE_CENTRE.code },
      number: 'HZ3101072025000001',
      fields: { industry: '电影院', premises: PREMISES },
      validFrom: TODAY,
      validTo: '2027-12-31',
      status: LicenceStatus.VALID,
      industry: { industryCode: 'cinema' },
    });
    expect(certificate.industry?.components.map((c) => [c.certificateId, c.typeCode, c.digest])).toEqual([
      [film.id, TYPE_CODES.FILM_SCREENING, `sha256-${film.id}`],
      [hygiene.id, TYPE_CODES.PUBLIC_HYGIENE, `sha256-${hygiene.id}`],
      [food.id, TYPE_CODES.FOOD_BUSINESS, `sha256-${food.id}`],
    ]);
    expect(event).toMatchObject({ industryCode: 'cinema', componentCertificateIds: [film.id, hygiene.id, food.id] });
  });

  it('is issued by the service centre only', () => {
    const { film, hygiene } = cinemaParts();
    const call = () => issue({ ...cinema([film, hygiene]), actor: MARKET, issuer: PUTUO_MARKET_REGULATION });
    expect(thrown(call)).toMatchObject({ code: 'CERT_TYPE_NOT_AUTHORISED' });
  });

  it('refuses a component of another holder', () => {
    const { film } = cinemaParts();
    const foreign = hygieneLicence(enterprise(OTHER_ENTERPRISE_CODE, '别家影城有限公司'));
    expect(thrown(() => issue(cinema([film, foreign])))).toMatchObject({
      code: 'CERT_HOLDER_MISMATCH',
      fields: [{ field: 'component_certificate_ids[1]' }],
    });
  });

  it('refuses when a required permit is missing', () => {
    const { film } = cinemaParts();
    expect(thrown(() => issue(cinema([film])))).toMatchObject({
      code: 'INDUSTRY_COMPONENTS_INVALID',
      fields: [{ field: 'component_certificate_ids', reason: 'COMPONENT_REQUIRED_MISSING' }],
    });
  });

  it('refuses a permit that is not of the industry, not valid, superseded, or twice the same type', () => {
    const { film, hygiene } = cinemaParts();
    const holder = film.holder;
    const revokedHygiene = revoke(hygiene, { actor: HEALTH, kind: 'revoked', reason: 'r', legalBasis: 'b' }, NOW);
    const err = thrown(() => issue(cinema([film, revokedHygiene.certificate, filmLicence(holder)])));
    expect(err).toMatchObject({
      code: 'INDUSTRY_COMPONENTS_INVALID',
      fields: [
        { field: 'component_certificate_ids[1]', reason: 'COMPONENT_NOT_VALID' },
        { field: 'component_certificate_ids[2]', reason: 'COMPONENT_TYPE_DUPLICATE' },
      ],
    });
    const store = { ...cinema([film]), industry: requireIndustry('convenience-store') };
    expect(thrown(() => issue(store))).toMatchObject({
      fields: [{ reason: 'COMPONENT_TYPE_NOT_IN_INDUSTRY' }, { reason: 'COMPONENT_REQUIRED_MISSING' }],
    });
    const changed = change(
      hygiene,
      { actor: HEALTH, set: { business_area: '1200' } },
      {
        newId: newId(),
        now: NOW,
        type: type(TYPE_CODES.PUBLIC_HYGIENE),
      },
    );
    expect(thrown(() => issue(cinema([film, changed.previous])))).toMatchObject({
      fields: [{ field: 'component_certificate_ids[1]', reason: 'COMPONENT_SUPERSEDED' }],
    });
  });

  it('refuses no components, or the same one twice', () => {
    expect(thrown(() => issue(cinema([])))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    const { film } = cinemaParts();
    expect(thrown(() => issue(cinema([film, film])))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('the live status of an industry licence', () => {
  function setUp() {
    const parts = cinemaParts();
    const licence = issue(cinema([parts.film, parts.hygiene, parts.food])).certificate;
    const current = new Map<string, CertificateState>([parts.film, parts.hygiene, parts.food].map((c) => [c.id, c]));
    return { ...parts, licence, current };
  }

  it('is valid when every component is', () => {
    const { licence, current } = setUp();
    const view = deriveIndustryStatus(licence, current, NOW);
    expect(view.overall).toBe('valid');
    expect(view.components.map((c) => c.status)).toEqual(['01', '01', '01']);
  });

  it('shows a revoked component as revoked and keeps the others valid', () => {
    const { licence, current, food } = setUp();
    const revoked = revoke(food, { actor: MARKET, kind: 'revoked', reason: 'r', legalBasis: 'b' }, NOW).certificate;
    current.set(food.id, revoked);
    const view = deriveIndustryStatus(licence, current, NOW);
    expect(view.overall).toBe('partially-valid');
    expect(view.components.map((c) => [c.typeCode, c.status])).toEqual([
      [TYPE_CODES.FILM_SCREENING, '01'],
      [TYPE_CODES.PUBLIC_HYGIENE, '01'],
      [TYPE_CODES.FOOD_BUSINESS, '07'],
    ]);
  });

  it('follows a changed component to its current version', () => {
    const { licence, current, food } = setUp();
    const moved = change(
      food,
      { actor: MARKET, set: { premises: '上海市普陀区长寿路100号2层' } },
      {
        newId: newId(),
        now: NOW,
        type: FOOD,
      },
    ).certificate;
    current.set(food.id, moved);
    const view = deriveIndustryStatus(licence, current, NOW);
    expect(view.overall).toBe('valid');
    expect(view.components[2]).toMatchObject({ certificateId: food.id, currentCertificateId: moved.id, status: '01' });
  });

  it('is invalid when no component is valid, or the licence itself is not', () => {
    const { licence, current, film, hygiene, food } = setUp();
    const reason = { reason: 'r', legalBasis: 'b' };
    current.set(film.id, suspend(film, { actor: CULTURE, ...reason }, NOW).certificate);
    current.set(hygiene.id, revoke(hygiene, { actor: HEALTH, kind: 'withdrawn', ...reason }, NOW).certificate);
    current.set(food.id, revoke(food, { actor: MARKET, kind: 'revoked', ...reason }, NOW).certificate);
    expect(deriveIndustryStatus(licence, current, NOW).overall).toBe('invalid');
    expect(deriveIndustryStatus(licence, setUp().current, daysLater(3 * 365)).overall).toBe('invalid');
  });

  it('shows a component it cannot find as 99', () => {
    const { licence } = setUp();
    const view = deriveIndustryStatus(licence, new Map(), NOW);
    expect(view.components.every((c) => c.status === '99')).toBe(true);
    expect(view.overall).toBe('invalid');
  });
});
