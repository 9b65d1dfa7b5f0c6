import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { configSections } from './commands/hub.js';
import { PEER_CLIENTS } from './commands/tls.js';
import { HUB_MODULES } from './modules.js';

// The deploy manifests, checked offline with tools the project did not write (issue 16 item 2, ADR 034): the compose
// file against the Compose specification's JSON schema (as the dclint package ships it) with Ajv, each Kubernetes
// resource against the Kubernetes API's schema (the kubernetes-models package's validators), and both against the hub:
// one container or Deployment per service of HUB_MODULES, probes on that service's grpc.health.v1 name, and every
// variable they set one that `onceonly start` reads. No container engine or cluster runs them here (deploy/README.md).

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(import.meta.url);
const SERVICE_NAMES = HUB_MODULES.map((m) => m.name);
/** Every variable `onceonly start` reads: the hub's and each module's. */
const KNOWN_VARIABLES = new Set(configSections(HUB_MODULES).flatMap((s) => Object.keys(s.schema)));

type Json = Record<string, unknown>;
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

/**
 * The variables with which a module calls its peers, read from its config schema: each peer's address
 * (`ONCEONLY_<MODULE>_<PEER>_ADDR`) and each client certificate's three files (`<prefix>_CA`, `_CERT`, `_KEY`, the
 * kit's peerTlsConfig). A module that adds a peer adds them, and the manifests must then set them.
 */
function peerVariables(module: string): string[] {
  const schema = HUB_MODULES.find((m) => m.name === module)?.config ?? {};
  return Object.keys(schema).filter((name) => /_ADDR$|_TLS_(CA|CERT|KEY)$/.test(name));
}

/** The client certificate `onceonly tls` issues for the variables `<prefix>_*` (undefined: none is issued). */
const clientOf = (variable: string) => PEER_CLIENTS.find((c) => variable.startsWith(`${c.prefix}_`));

/**
 * What is wrong with the peer variables of one service under mTLS, given its environment and where its client
 * certificates are mounted (`fileOf(client file)`: the certificate's path, the key's): unset variables, or a
 * certificate other than the one `onceonly tls` issues for that prefix.
 */
function peerProblems(
  module: string,
  env: Readonly<Record<string, unknown>>,
  paths: { ca: string; cert: (file: string) => string; key: (file: string) => string },
): string[] {
  const problems: string[] = [];
  for (const name of peerVariables(module)) {
    const value = env[name];
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${module}: ${name} is not set`);
      continue;
    }
    const client = clientOf(name);
    const expected = /_TLS_CA$/.test(name)
      ? paths.ca
      : /_TLS_CERT$/.test(name)
        ? client && paths.cert(client.file)
        : /_TLS_KEY$/.test(name)
          ? client && paths.key(client.file)
          : undefined;
    if (/_TLS_(CA|CERT|KEY)$/.test(name) && value !== expected) {
      problems.push(`${module}: ${name}=${value}, expected ${expected ?? 'a client certificate onceonly tls issues'}`);
    }
  }
  return problems;
}

describe('the peer variables the modules read', () => {
  it('are found in the config schemas: every address and client certificate of ADR 040', () => {
    expect(peerVariables('materials')).toEqual(
      expect.arrayContaining([
        'ONCEONLY_MATERIALS_CERTIFICATE_ADDR',
        'ONCEONLY_MATERIALS_CREDIT_ADDR',
        'ONCEONLY_MATERIALS_ASSISTANCE_ADDR',
        'ONCEONLY_MATERIALS_TLS_CERT',
        'ONCEONLY_MATERIALS_CREDIT_TLS_KEY',
      ]),
    );
    expect(peerVariables('credit')).toEqual(
      expect.arrayContaining(['ONCEONLY_CREDIT_AUDIT_ADDR', 'ONCEONLY_CREDIT_AUDIT_TLS_CA']),
    );
  });

  it("are each address one the module declares as a peer (a process without the peer's service refuses to start without it)", () => {
    for (const m of HUB_MODULES) {
      const declared = (m.peers ?? []).map((p) => p.addressVariable).sort();
      expect(
        peerVariables(m.name)
          .filter((v) => v.endsWith('_ADDR'))
          .sort(),
        m.name,
      ).toEqual(declared);
    }
  });

  it('each name a client certificate that onceonly tls issues for that module', () => {
    for (const { name } of HUB_MODULES) {
      for (const variable of peerVariables(name).filter((v) => /_TLS_CERT$/.test(v))) {
        expect(clientOf(variable)?.caller, variable).toBe(name);
      }
    }
  });
});

/** The `--services` value of a command line. */
function servicesOf(args: readonly string[]): string | undefined {
  const at = args.indexOf('--services');
  return at < 0 ? undefined : args[at + 1];
}

describe('deploy/compose/compose.yaml', () => {
  const compose = parse(read('deploy/compose/compose.yaml'), { merge: true }) as { services: Record<string, Json> };
  const hubContainers = Object.entries(compose.services).filter(([, s]) => Array.isArray(s.command));

  const schemaPath = join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json');
  const ajv = new Ajv({ allErrors: true, strict: false });
  // the schema names draft 07 by its https address; Ajv knows the same meta-schema by its http one
  const draft7 = require('ajv/dist/refs/json-schema-draft-07.json') as Json;
  ajv.addMetaSchema({ ...draft7, $id: 'https://json-schema.org/draft-07/schema' });
  (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as Json);

  it("is valid under the Compose specification's schema", () => {
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('would be refused with a misspelt field (the schema check bites)', () => {
    const broken = structuredClone(compose);
    (broken.services.audit as Json).helthcheck = {};
    expect(validate(broken)).toBe(false);
  });

  it('runs each service of the hub in a container of its own, once', () => {
    const hosted = hubContainers.map(([, s]) => servicesOf(s.command as string[]));
    expect(hosted.slice().sort()).toEqual(SERVICE_NAMES.slice().sort());
    for (const [name, s] of hubContainers) expect(servicesOf(s.command as string[])).toBe(name);
  });

  it("checks each container's health on its own service's grpc.health.v1 name", () => {
    for (const [name, s] of hubContainers) {
      const test = (s.healthcheck as { test: string[] }).test;
      expect(test.slice(test.indexOf('--service') + 1)[0]).toMatch(
        new RegExp(`^onceonly\\.${name}\\.v1\\.[A-Za-z]+Service$`),
      );
    }
  });

  it('sets only variables that onceonly start reads', () => {
    for (const [, s] of hubContainers) {
      for (const name of Object.keys(s.environment as Json)) expect(KNOWN_VARIABLES, name).toContain(name);
    }
  });

  it('tells each service where the peers it calls run (the hub refuses to start without it)', () => {
    for (const [name, s] of hubContainers) {
      const peers = HUB_MODULES.find((m) => m.name === name)?.peers ?? [];
      for (const p of peers) expect(Object.keys(s.environment as Json), name).toContain(p.addressVariable);
    }
  });

  const TLS = '/etc/onceonly/tls';
  const composePaths = {
    ca: `${TLS}/ca.pem`,
    cert: (file: string) => `${TLS}/${file}.pem`,
    key: (file: string) => `${TLS}/${file}.key.pem`,
  };

  it('serves mTLS and sets every peer address and client certificate each module reads, the files onceonly tls writes', () => {
    for (const [name, s] of hubContainers) {
      const env = s.environment as Json;
      expect(env.ONCEONLY_TLS_CERT, name).toBe(`${TLS}/${name}.pem`);
      expect(peerProblems(name, env, composePaths)).toEqual([]);
    }
  });

  it('would be refused with a peer variable forgotten or the wrong client certificate (the check bites)', () => {
    const materials = compose.services.materials as { environment: Json };
    const { ONCEONLY_MATERIALS_CREDIT_ADDR: _, ...forgotten } = materials.environment;
    expect(peerProblems('materials', forgotten, composePaths)).toEqual([
      'materials: ONCEONLY_MATERIALS_CREDIT_ADDR is not set',
    ]);
    const swapped = {
      ...materials.environment,
      ONCEONLY_MATERIALS_CREDIT_TLS_CERT: composePaths.cert('credit-audit-client'),
    };
    expect(peerProblems('materials', swapped, composePaths)).toHaveLength(1);
  });

  it('starts Kafka in KRaft mode, without ZooKeeper', () => {
    const kafka = compose.services.kafka as { environment: Json };
    expect(kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(Object.keys(kafka.environment).filter((k) => k.includes('ZOOKEEPER'))).toEqual([]);
  });
});

/** The models of the kinds deploy/k8s uses, by `apiVersion/kind`. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

/**
 * The field names the Kubernetes models declare (their TypeScript declarations): the validators accept unknown
 * fields, so a misspelt `readinesProbe` would pass them; this catches it (like kubeconform's -strict, by name).
 */
function declaredFieldNames(): Set<string> {
  declared ??= readDeclaredFieldNames();
  return declared;
}
let declared: Set<string> | undefined;

function readDeclaredFieldNames(): Set<string> {
  const roots = ['kubernetes-models', '@kubernetes-models/apimachinery'].map((p) =>
    dirname(require.resolve(`${p}/package.json`)),
  );
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.d.ts')) {
        for (const m of readFileSync(join(dir, entry.name), 'utf8').matchAll(/"([A-Za-z0-9$_-]+)"\??:/g))
          names.add(m[1]!);
      }
    }
  };
  for (const root of roots) walk(root);
  return names;
}

const USER_MAPS = ['labels', 'matchLabels', 'annotations', 'data', 'stringData', 'selector', 'requests', 'limits'];

/** Every key of an object tree, but under maps whose keys are the user's (labels, ConfigMap and Secret data). */
function fieldNames(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) fieldNames(v, into);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      into.push(key);
      if (!USER_MAPS.includes(key)) fieldNames(v, into);
    }
  }
  return into;
}

describe('deploy/k8s', () => {
  const dir = join(REPO, 'deploy/k8s');
  const resources = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
        .map((doc) => {
          expect(doc.errors, file).toEqual([]);
          return doc.toJS() as Json | null;
        })
        .filter((r): r is Json => r !== null)
        .map((r) => ({ file, r })),
    );
  const byKind = (kind: string) => resources.filter(({ r }) => r.kind === kind).map(({ r }) => r);
  const deployments = byKind('Deployment') as Array<{
    metadata: { name: string };
    spec: {
      replicas: number;
      template: {
        spec: {
          containers: Array<{
            args: string[];
            env?: Array<{ name: string }>;
            readinessProbe: { grpc: { port: number; service: string } };
            livenessProbe: { grpc: { port: number } };
            resources: { requests: { cpu: string; memory: string } };
          }>;
        };
      };
    };
  }>;

  // reading the models' declarations takes a few seconds on a loaded machine
  it("is valid under the Kubernetes API's schemas, every field a declared one", { timeout: 60_000 }, () => {
    const known = declaredFieldNames();
    for (const { file, r } of resources) {
      const Model = MODELS[`${r.apiVersion}/${r.kind}`];
      expect(Model, `${file}: ${r.apiVersion} ${r.kind}`).toBeDefined();
      expect(() => new Model!(r as never).validate(), `${file}: ${r.kind} ${(r.metadata as Json).name}`).not.toThrow();
      expect(
        fieldNames(r).filter((n) => !known.has(n)),
        file,
      ).toEqual([]);
    }
  });

  it('would be refused with a value of the wrong type or a misspelt field (the checks bite)', {
    timeout: 60_000,
  }, () => {
    const broken = structuredClone(deployments[0]!) as unknown as { spec: Json };
    broken.spec.replicas = 'two';
    expect(() => new Deployment(broken as never).validate()).toThrow();
    const misspelt = structuredClone(deployments[0]!) as unknown as { spec: Json };
    misspelt.spec.replika = 2;
    expect(fieldNames(misspelt).filter((n) => !declaredFieldNames().has(n))).toEqual(['replika']);
  });

  it('has a Deployment, a Service and a PodDisruptionBudget for each service of the hub, and nothing more', () => {
    const hosted = deployments.map((d) => servicesOf(d.spec.template.spec.containers[0]!.args));
    expect(hosted.slice().sort()).toEqual(SERVICE_NAMES.slice().sort());
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget']) {
      const names = byKind(kind).map((r) => (r.metadata as Json).name);
      expect(names.slice().sort(), kind).toEqual(SERVICE_NAMES.slice().sort());
    }
  });

  it('probes readiness on the service and liveness on the process, over grpc.health.v1 on the health port', () => {
    for (const d of deployments) {
      const c = d.spec.template.spec.containers[0]!;
      expect(c.readinessProbe.grpc.port).toBe(8081);
      expect(c.readinessProbe.grpc.service).toMatch(
        new RegExp(`^onceonly\\.${d.metadata.name}\\.v1\\.[A-Za-z]+Service$`),
      );
      expect(c.livenessProbe.grpc.port).toBe(8081);
      expect(c.resources.requests.cpu).toBeDefined();
    }
  });

  it('autoscales the stateless services only: the audit log runs one replica', () => {
    const scaled = byKind('HorizontalPodAutoscaler').map(
      (h) => (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name,
    );
    expect(scaled.slice().sort()).toEqual(SERVICE_NAMES.filter((n) => n !== 'audit').sort());
    expect(deployments.find((d) => d.metadata.name === 'audit')?.spec.replicas).toBe(1);
  });

  it('tells each service where the peers it calls run', () => {
    const config = byKind('ConfigMap')[0] as { data: Json };
    for (const d of deployments) {
      const env = (d.spec.template.spec.containers[0]!.env ?? []).map((e) => e.name);
      for (const p of HUB_MODULES.find((m) => m.name === d.metadata.name)?.peers ?? []) {
        expect([...Object.keys(config.data), ...env], d.metadata.name).toContain(p.addressVariable);
      }
    }
  });

  /** A Deployment's environment (the ConfigMap's, then its own `env` values) and its client certificates' paths. */
  const podOf = (d: (typeof deployments)[number]) => {
    const config = byKind('ConfigMap')[0] as { data: Json };
    const c = d.spec.template.spec.containers[0]! as unknown as {
      env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
      volumeMounts?: Array<{ name: string; mountPath: string }>;
    };
    const volumes = (d.spec.template.spec as unknown as { volumes?: Array<{ name: string; secret?: Json }> }).volumes;
    const env: Json = { ...config.data };
    for (const e of c.env ?? []) env[e.name] = e.value ?? (e.valueFrom ? 'from a Secret' : undefined);
    // a client certificate's Secret onceonly-<file>-tls, mounted: its path holds tls.crt and tls.key
    const mountOf = (file: string) => {
      const volume = volumes?.find((v) => v.secret?.secretName === `onceonly-${file}-tls`);
      return (
        c.volumeMounts?.find((m) => volume && m.name === volume.name)?.mountPath ??
        `(Secret onceonly-${file}-tls not mounted)`
      );
    };
    const paths = {
      ca: '/etc/onceonly/tls/ca.crt',
      cert: (file: string) => `${mountOf(file)}/tls.crt`,
      key: (file: string) => `${mountOf(file)}/tls.key`,
    };
    return { env, paths };
  };

  it('serves mTLS and sets every peer address and client certificate each module reads, from the Secrets of onceonly tls', () => {
    const secrets = byKind('Secret').map((s) => (s.metadata as Json).name);
    for (const d of deployments) {
      const { env, paths } = podOf(d);
      expect(env.ONCEONLY_TLS_CERT, d.metadata.name).toBe('/etc/onceonly/tls/tls.crt');
      expect(peerProblems(d.metadata.name, env, paths)).toEqual([]);
    }
    for (const c of PEER_CLIENTS) expect(secrets, c.file).toContain(`onceonly-${c.file}-tls`);
  });

  it('would be refused with a client certificate not mounted (the check bites)', () => {
    const credit = structuredClone(deployments.find((d) => d.metadata.name === 'credit')!);
    (credit.spec.template.spec as unknown as { volumes: unknown[] }).volumes = [];
    expect(peerProblems('credit', podOf(credit).env, podOf(credit).paths)).toHaveLength(2);
  });

  it('sets only variables that onceonly start reads, and ships no secret value', () => {
    const config = byKind('ConfigMap')[0] as { data: Json };
    for (const name of Object.keys(config.data)) expect(KNOWN_VARIABLES, name).toContain(name);
    for (const d of deployments) {
      for (const e of d.spec.template.spec.containers[0]!.env ?? []) expect(KNOWN_VARIABLES, e.name).toContain(e.name);
    }
    for (const s of byKind('Secret') as Array<{ stringData?: Record<string, string>; data?: unknown }>) {
      expect(s.data).toBeUndefined();
      expect(Object.values(s.stringData ?? {}).filter((v) => v !== '')).toEqual([]);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('builds in one stage and runs the built hub as a non-root user with production dependencies only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = stages.at(-1)!;
    expect(runtime).toMatch(/^RUN npm ci --omit=dev /m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toContain('ENTRYPOINT ["node", "services/hub/dist/main.js"]');
    expect(runtime).not.toMatch(/^COPY (libs|services) /m);
  });
});
