import { NAMESPACE_PATTERN } from '@onceonly/events';
import { bool, hostPort, int, list, loadConfig, oneOf, parseHostPort, RETENTION_CONFIG, str, url } from '@onceonly/kit';

/** Every environment variable the hub reads: `onceonly config` prints this table. */
export const HUB_CONFIG = {
  ONCEONLY_GRPC_ADDR: hostPort({ default: '127.0.0.1:50051', doc: 'where the hub listens for gRPC (host:port)' }),
  ONCEONLY_HTTP_ADDR: hostPort({
    optional: true,
    doc: 'where the hub serves HTTP/JSON (Connect), /openapi.json and /docs (default: the gRPC host, its port + 1; port 0 with port 0)',
  }),
  ONCEONLY_HTTP: bool({ default: true, doc: 'serve the HTTP/JSON face at all (ADR 032)' }),
  ONCEONLY_HTTP_CORS_ORIGINS: list({
    optional: true,
    doc: 'origins whose pages may call the HTTP/JSON face and the token endpoint across origins (CORS: https://host[:port],...; * for any, never with credentials); default none (ADR 036)',
  }),
  ONCEONLY_HEALTH_ADDR: hostPort({
    optional: true,
    doc: 'a second, plaintext port serving grpc.health.v1 only, for probes that cannot present a client certificate (Kubernetes, compose)',
  }),
  ONCEONLY_DATA_DIR: str({ default: '.onceonly', doc: 'embedded data folder (PGlite database, development keys)' }),
  DATABASE_URL: url({
    optional: true,
    protocols: ['postgres', 'postgresql'],
    secret: true,
    doc: 'PostgreSQL instead of the embedded PGlite database',
  }),
  KAFKA_BROKERS: list({ optional: true, doc: 'Kafka bootstrap servers (host:port,...) instead of the embedded log' }),
  ONCEONLY_NAMESPACE: str({
    default: '',
    pattern: NAMESPACE_PATTERN,
    patternDoc: 'lowercase letters, digits and "-", starting with a letter, at most 20',
    doc: 'prefixes every topic and consumer group (`<ns>.onceonly.certificate.v1`): hubs sharing a broker (ADR 023)',
  }),
  ONCEONLY_SERVICES: list({
    optional: true,
    doc: 'the services this process hosts (certificate,assistance,credit,materials,audit; default all): one process per service, replicas (ADR 034); `start --services` overrides it',
  }),
  ONCEONLY_LOG_LEVEL: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, {
    default: 'info',
    doc: 'log level',
  }),
  ONCEONLY_LOG_PRETTY: bool({ optional: true, doc: 'one readable line per log entry (default: on a terminal)' }),
  ONCEONLY_TLS_CA: str({ optional: true, doc: 'PEM file of the CA that issues client certificates (mTLS)' }),
  ONCEONLY_TLS_CERT: str({ optional: true, doc: "PEM file of the hub's server certificate chain (mTLS)" }),
  ONCEONLY_TLS_KEY: str({ optional: true, doc: "PEM file of the hub's server private key (mTLS)" }),
  ONCEONLY_DEV_IDENTITY: bool({
    optional: true,
    doc: 'take the caller from x-onceonly-caller metadata (loopback only; default on when TLS is off)',
  }),
  ONCEONLY_OAUTH_KEY: str({
    optional: true,
    doc: "PKCS#8 PEM file of the hub's OAuth 2.0 token signing key, EC P-256 (ES256), in clear or under ONCEONLY_KEY_PASSPHRASE; embedded default: generated in the data folder; unset outside it: no tokens (ADR 036)",
  }),
  ONCEONLY_OAUTH_ISSUER: url({
    optional: true,
    protocols: ['http', 'https'],
    doc: "the tokens' issuer (iss), the hub's public HTTP URL; the same in every process (default: this process's HTTP URL)",
  }),
  ONCEONLY_OAUTH_AUDIENCE: str({
    optional: true,
    doc: 'the audience (aud) every access token must name (default: the issuer)',
  }),
  ONCEONLY_OAUTH_TOKEN_SECONDS: int({
    default: 300,
    min: 30,
    max: 3600,
    doc: 'lifetime of an OAuth 2.0 access token, in seconds',
  }),
  ONCEONLY_METRICS_ADDR: str({
    optional: true,
    pattern: /(off|(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5})/,
    patternDoc: 'host:port, or off',
    doc: 'where Prometheus scrapes /metrics (host:port, or off; default 127.0.0.1:0 embedded, 127.0.0.1:9464 external)',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: url({
    optional: true,
    protocols: ['http', 'https'],
    doc: 'export traces over OTLP/HTTP to this collector (its /v1/traces); unset: no tracing, nothing loaded',
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url({
    optional: true,
    protocols: ['http', 'https'],
    doc: 'the full OTLP traces URL, instead of OTEL_EXPORTER_OTLP_ENDPOINT',
  }),
  OTEL_EXPORTER_OTLP_PROTOCOL: oneOf(['http/protobuf', 'http/json'] as const, {
    default: 'http/protobuf',
    doc: 'OTLP encoding of the exported traces',
  }),
  OTEL_SERVICE_NAME: str({ optional: true, doc: 'service.name of the spans (default onceonly-<modules>)' }),
  ONCEONLY_SHUTDOWN_GRACE_MS: int({
    default: 10_000,
    min: 0,
    max: 600_000,
    doc: 'how long in-flight calls may finish on SIGTERM',
  }),
  ...RETENTION_CONFIG,
} as const;

export type HubConfig = ReturnType<typeof loadHubConfig>;

/** Loads and checks the hub's configuration; throws CONFIG_MISSING / CONFIG_INVALID naming the variable. */
export function loadHubConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(HUB_CONFIG, env);
}

/**
 * Where the HTTP/JSON face listens: ONCEONLY_HTTP_ADDR, else the gRPC host with the next port (port 0 when the gRPC
 * port is 0, as tests ask), so that `npm start` serves both on loopback without a second setting. Undefined when
 * ONCEONLY_HTTP=false.
 */
export function httpAddressOf(config: HubConfig): string | undefined {
  if (!config.ONCEONLY_HTTP) return undefined;
  if (config.ONCEONLY_HTTP_ADDR) return config.ONCEONLY_HTTP_ADDR;
  const grpc = parseHostPort(config.ONCEONLY_GRPC_ADDR);
  if (!grpc) return undefined;
  const host = grpc.host.includes(':') && !grpc.host.startsWith('[') ? `[${grpc.host}]` : grpc.host;
  const port = grpc.port === 0 ? 0 : grpc.port + 1;
  return `${host}:${port}`;
}
