import { createPublicKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEMO_PORTAL } from '@onceonly/directory';
import { AppError } from '@onceonly/errors';
import {
  type CertificateAuthority,
  decryptPrivateKey,
  generateKeyPair,
  issueClientCertificate,
  issueServerCertificate,
} from '@onceonly/seal';
import type { Command } from 'commander';
import { print } from '../client.js';
import { HUB_MODULES } from '../modules.js';

/**
 * `onceonly tls`: the TLS files of a deployment (deploy/README.md), issued by the hub CA of `onceonly init`, into
 * `<dir>/tls/`: `ca.pem`; per service `<name>.pem` and `<name>.key.pem`, a server certificate whose subjectAltName
 * holds every name a caller may dial it by in Compose (`certificate`) and in Kubernetes (`certificate.onceonly`,
 * `certificate.onceonly.svc`, `certificate.onceonly.svc.cluster.local`), plus loopback; and per caller and peer the
 * client certificate of ADR 040, `<caller>-<peer>-client.pem` ({@link PEER_CLIENTS}).
 */

/** The folder under `--dir` that the Compose file mounts (`<secrets>/tls`). */
export const TLS_FOLDER = 'tls';
/** Where callers on the same machine reach a service: a published port, a health check in the container. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1'] as const;

/** A client certificate a service presents to the peers it calls under mTLS (ADR 040). */
export interface PeerClient {
  /** File name in `<dir>/tls/` without `.pem` (`<file>.pem`, `<file>.key.pem`): the caller, then the peers. */
  readonly file: string;
  /** The module that presents it. */
  readonly caller: string;
  /** The services it is presented to. */
  readonly peers: readonly string[];
  /** The caller's variables naming it (`<prefix>_CA`, `<prefix>_CERT`, `<prefix>_KEY`, the kit's peerTlsConfig). */
  readonly prefix: string;
  /** The role the peers admit (the certificate's OU). */
  readonly role: 'portal' | 'department' | 'auditor';
  /** Its subject: CN = code, O = name. */
  readonly subject: { readonly code: string; readonly name: string };
}

/**
 * The client certificates of the calls between services, one per caller and peer with the role the peer admits
 * (ADR 040's table): materials → certificate as the portal (it lists an applicant's licences for the applicant);
 * materials → credit and assistance as a department (profiles and catalogue data answer departments); credit → the
 * audit log as an auditor (the draw reads the organiser's commitment entry and its proof).
 */
export const PEER_CLIENTS: readonly PeerClient[] = [
  {
    file: 'materials-certificate-client',
    caller: 'materials',
    peers: ['certificate'],
    prefix: 'ONCEONLY_MATERIALS_TLS',
    role: 'portal',
    subject: { code: DEMO_PORTAL.code, name: DEMO_PORTAL.nameZh },
  },
  {
    file: 'materials-credit-assistance-client',
    caller: 'materials',
    peers: ['credit', 'assistance'],
    prefix: 'ONCEONLY_MATERIALS_CREDIT_TLS',
    role: 'department',
    subject: { code: 'onceonly-materials', name: 'OnceOnly materials service' },
  },
  {
    file: 'credit-audit-client',
    caller: 'credit',
    peers: ['audit'],
    prefix: 'ONCEONLY_CREDIT_AUDIT_TLS',
    role: 'auditor',
    subject: { code: 'onceonly-credit', name: 'OnceOnly credit service' },
  },
];

/** Where a deployment runs: the Kubernetes namespace and cluster domain its Services' DNS names are made of. */
export interface ServiceDns {
  /** Kubernetes namespace (default `onceonly`). */
  namespace: string;
  /** Cluster domain (default `cluster.local`). */
  clusterDomain: string;
  /** More names per service, `{service}` replaced by its name (for example a headless Service's). */
  extraHosts: readonly string[];
}

export const DEFAULT_SERVICE_DNS: ServiceDns = {
  namespace: 'onceonly',
  clusterDomain: 'cluster.local',
  extraHosts: [],
};

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The names a service's server certificate holds: the Compose service name, the Kubernetes Service's names in
 * `namespace` (short, `.svc`, fully qualified), the extra names, then loopback.
 * @throws AppError CONFIG_INVALID when the namespace, the cluster domain or an extra name is not a DNS name.
 */
export function serviceHosts(service: string, dns: ServiceDns = DEFAULT_SERVICE_DNS): string[] {
  const labels = (name: string, what: string) => {
    if (!name.split('.').every((label) => DNS_LABEL.test(label))) {
      throw new AppError('CONFIG_INVALID', `${what} ${JSON.stringify(name)} is not a DNS name (lower-case labels)`);
    }
    return name;
  };
  const namespace = labels(dns.namespace, '--namespace');
  const domain = labels(dns.clusterDomain, '--cluster-domain');
  const extra = dns.extraHosts.map((h) => labels(h.replaceAll('{service}', service), '--host'));
  const names = [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.${domain}`,
    ...extra,
    ...LOOPBACK_HOSTS,
  ];
  return [...new Set(names)];
}

/** The hub CA of `onceonly init` in `<dir>/keys/`, its key opened with the passphrase. */
async function openCa(dir: string, passphrase: string): Promise<CertificateAuthority> {
  const read = async (name: string) => {
    const path = join(dir, 'keys', name);
    try {
      return await readFile(path, 'utf8');
    } catch (cause) {
      throw new AppError('CONFIG_INVALID', `cannot read ${path}: run onceonly init --dir ${dir} first`, { cause });
    }
  };
  const certPem = await read('ca.pem');
  const privateKey = decryptPrivateKey(await read('ca.key.pem'), passphrase);
  if (!new X509Certificate(certPem).checkPrivateKey(privateKey)) {
    throw new AppError('KEY_INVALID', `the CA key in ${dir}/keys does not belong to its certificate`);
  }
  return { certPem, keyPair: { privateKey, publicKey: createPublicKey(privateKey) } };
}

/** ONCEONLY_KEY_PASSPHRASE from the environment, else from `<dir>/onceonly.env` (written by `onceonly init`). */
async function passphraseOf(dir: string): Promise<string> {
  const given = process.env.ONCEONLY_KEY_PASSPHRASE;
  if (given) return given;
  const text = await readFile(join(dir, 'onceonly.env'), 'utf8').catch(() => '');
  const found = /^ONCEONLY_KEY_PASSPHRASE='([^']*)'$/m.exec(text)?.[1];
  if (!found) {
    throw new AppError(
      'CONFIG_MISSING',
      `ONCEONLY_KEY_PASSPHRASE: set it, or keep ${dir}/onceonly.env beside the keys`,
    );
  }
  return found;
}

/**
 * Issues the deployment's TLS files into `<dir>/tls/` (keys clear PKCS#8, mode 0600: gRPC reads them as they are),
 * valid for `days` from `now`. Writing again replaces them (a rotation).
 * @returns the folder and, per service, the names its certificate holds.
 */
export async function issueServiceTls(options: {
  dir: string;
  passphrase: string;
  dns?: ServiceDns;
  days?: number;
  now?: Date;
}): Promise<{ folder: string; services: Record<string, string[]> }> {
  const ca = await openCa(options.dir, options.passphrase);
  const folder = join(options.dir, TLS_FOLDER);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
  const notBefore = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const validity = { notBefore, notAfter: new Date(notBefore.getTime() + (options.days ?? 397) * 86_400_000) };
  const write = async (name: string, cert: string, key: ReturnType<typeof generateKeyPair>['privateKey']) => {
    await writeFile(join(folder, `${name}.pem`), cert, { mode: 0o644 });
    await writeFile(join(folder, `${name}.key.pem`), key.export({ type: 'pkcs8', format: 'pem' }) as string, {
      mode: 0o600,
    });
  };
  await writeFile(join(folder, 'ca.pem'), ca.certPem, { mode: 0o644 });
  const services: Record<string, string[]> = {};
  for (const { name } of HUB_MODULES) {
    const hosts = serviceHosts(name, options.dns);
    const keys = generateKeyPair();
    await write(
      name,
      issueServerCertificate({ ca, hosts, commonName: name, publicKey: keys.publicKey, validity }),
      keys.privateKey,
    );
    services[name] = hosts;
  }
  for (const { file, role, subject } of PEER_CLIENTS) {
    const client = generateKeyPair();
    await write(
      file,
      issueClientCertificate({ ca, department: subject, role, publicKey: client.publicKey, validity }),
      client.privateKey,
    );
  }
  return { folder, services };
}

/** Adds `onceonly tls` to the command line. */
export function registerTlsCommand(program: Command): void {
  program
    .command('tls')
    .description(
      "issue each service's server certificate (its Compose and Kubernetes DNS names) and the client certificates of the calls between services from the hub CA of onceonly init, into <dir>/tls",
    )
    .requiredOption('--dir <dir>', 'the folder of onceonly init (its keys/ and onceonly.env)')
    .option('--namespace <ns>', 'Kubernetes namespace of the Services', DEFAULT_SERVICE_DNS.namespace)
    .option('--cluster-domain <domain>', 'Kubernetes cluster domain', DEFAULT_SERVICE_DNS.clusterDomain)
    .option('--host <name...>', 'more names per service, {service} replaced by its name (a headless Service)')
    .option('--days <days>', 'validity in days', '397')
    .action(
      async (opts: { dir: string; namespace: string; clusterDomain: string; host?: string[]; days: string }, cmd) => {
        const dir = resolve(opts.dir);
        const days = Number(opts.days);
        if (!Number.isInteger(days) || days < 1) throw new AppError('CONFIG_INVALID', '--days: a whole number of days');
        const dns = { namespace: opts.namespace, clusterDomain: opts.clusterDomain, extraHosts: opts.host ?? [] };
        const issued = await issueServiceTls({ dir, passphrase: await passphraseOf(dir), dns, days });
        const lines = Object.entries(issued.services).map(([name, hosts]) => `  ${name}.pem: ${hosts.join(', ')}`);
        const clients = PEER_CLIENTS.map(
          (c) => `  ${c.file}.pem: OU=${c.role}, ${c.caller} → ${c.peers.join(', ')} (${c.prefix}_*)`,
        );
        print(
          { json: (cmd as Command).optsWithGlobals<{ json?: boolean }>().json === true },
          issued,
          [`wrote ${issued.folder}: ca.pem; per service`, ...lines, 'client certificates', ...clients].join('\n'),
        );
      },
    );
}
