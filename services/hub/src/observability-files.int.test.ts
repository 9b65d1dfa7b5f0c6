/**
 * The operators' files of ADR 035 checked without Prometheus or Grafana (neither runs here): the alert rules in
 * deploy/prometheus/ parse as a Prometheus rule file, and every metric that an alert or a dashboard panel names is
 * served by a hub running every module (embedded, so that every service registers its own metrics).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@onceonly/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadHubConfig } from './config.js';
import { type RunningHub, startHub } from './start.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ALERTS = path.join(ROOT, 'deploy/prometheus/onceonly-alerts.yml');
const DASHBOARD = path.join(ROOT, 'deploy/grafana/onceonly-dashboard.json');
const METRIC = /\b(?:onceonly|process|nodejs)_[a-z0-9_]+\b/g;

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Metric names the hub serves: each `# TYPE` line, with a histogram's `_bucket`, `_count` and `_sum`. */
async function servedNames(address: string): Promise<Set<string>> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (!match) continue;
    const [, name, type] = match as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram' || type === 'summary') for (const s of ['_bucket', '_count', '_sum']) names.add(name + s);
  }
  return names;
}

function namesIn(expression: string): string[] {
  return [...new Set(expression.match(METRIC) ?? [])];
}

describe('the alert rules and the dashboard', () => {
  let hub: RunningHub;
  let dataDir: string;
  let served: Set<string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'onceonly-observability-'));
    const config = loadHubConfig({ ONCEONLY_GRPC_ADDR: '127.0.0.1:0', ONCEONLY_DATA_DIR: dataDir });
    hub = await startHub({ config, log: createLogger({ level: 'silent', service: 'hub' }) });
    served = await servedNames(hub.metricsAddress!);
  });

  afterAll(async () => {
    await hub?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('has the alerts an operator must act on, each with an expression, a severity and a summary', async () => {
    const file = parse(await readFile(ALERTS, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
    const rules = file.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'OnceOnlyOutboxStuck',
        'OnceOnlyConsumerLag',
        'OnceOnlyDeadLetters',
        'OnceOnlyCheckpointStale',
        'OnceOnlyRpcErrors',
      ]),
    );
    for (const rule of rules) {
      expect(rule.expr, rule.alert).toEqual(expect.any(String));
      expect(['page', 'warn', 'ticket'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toEqual(expect.any(String));
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
    }
  });

  it('names only metrics the hub serves, in every alert and every panel', async () => {
    const file = parse(await readFile(ALERTS, 'utf8')) as { groups: { rules: Rule[] }[] };
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const used: { where: string; expression: string }[] = [
      ...file.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expression: r.expr ?? '' }))),
      ...dashboard.panels.flatMap((p) =>
        (p.targets ?? []).map((t) => ({ where: `panel ${p.title}`, expression: t.expr })),
      ),
    ];
    const unknown = used.flatMap(({ where, expression }) =>
      namesIn(expression)
        .filter((name) => !served.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
    // and every panel names at least one metric: none is left empty by a typo in the generator
    for (const { where, expression } of used) expect(namesIn(expression).length, where).toBeGreaterThan(0);
    // the services' own metrics are among them
    for (const name of [
      'onceonly_audit_tree_size',
      'onceonly_certificate_verifications_total',
      'onceonly_assistance_requests_overdue',
    ]) {
      expect(served).toContain(name);
    }
  });
});
