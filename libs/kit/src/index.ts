/**
 * @onceonly/kit: the service runtime. Configuration from the environment (fail fast), a pino logger that
 * redacts personal data, a gRPC server with health, reflection and interceptors (caller identity, deadlines,
 * error mapping, request log), and ordered graceful shutdown.
 */
export {
  type AccessTokenClaims,
  type AccessTokenKey,
  type AccessTokenPolicy,
  type BearerAuth,
  bearerTokenOf,
  callerFromAccessToken,
  checkAccessTokenClaims,
  type ScopeTable,
  scopeAllows,
  verifyAccessToken,
} from './bearer.js';
export {
  CALLER_ROLES,
  type CallContext,
  type Caller,
  type CallerRole,
  callContext,
  callerFromCertificate,
  callerFromDevMetadata,
  callerOf,
  DEV_CALLER_HEADER,
  DEV_NAME_HEADER,
  DEV_ROLE_HEADER,
} from './caller.js';
export {
  bool,
  type ConfigOf,
  type ConfigSchema,
  type ConfigVariable,
  describeConfig,
  duration,
  Expected,
  type Field,
  type FieldOptions,
  formatConfigHelp,
  hostPort,
  type IntOptions,
  int,
  type ListOptions,
  list,
  loadConfig,
  oneOf,
  parseHostPort,
  type StrOptions,
  showDuration,
  str,
  type UrlOptions,
  url,
} from './config.js';
export { connectCodeOf, type HttpEndpoint } from './connect.js';
export {
  CORS_ALLOWED_HEADERS,
  CORS_EXPOSED_HEADERS,
  type CorsAnswer,
  type CorsOrigins,
  corsAnswer,
  parseCorsOrigins,
} from './cors.js';
export { watchEventMetrics } from './event-metrics.js';
export {
  type EventRetentionOptions,
  RETENTION_CONFIG,
  type RetentionPass,
  type RetentionPassOptions,
  type RetentionProgress,
  type RetentionStatus,
  retentionStatus,
  runRetentionPass,
  startEventRetention,
} from './event-retention.js';
export { FieldCheck, type TextOptions } from './field-check.js';
export {
  type AddServiceOptions,
  type BoundAddress,
  createGrpcServer,
  DEFAULT_DEADLINE_MS,
  DEFAULT_MAX_RECEIVE_BYTES,
  type GrpcServer,
  type GrpcServerOptions,
  type HttpFaceOptions,
  isLoopbackHost,
  type ServerTls,
} from './grpc-server.js';
export { unary } from './handlers.js';
export { HOLDER_HASH_KEY_VARIABLE, holderHashKey } from './holder-hash-key.js';
export {
  createLifecycle,
  HOOK_MARGIN_MS,
  type Lifecycle,
  type LifecycleOptions,
  type SignalSource,
  type StopContext,
  type StopHook,
  type StopHookOptions,
  type StopReport,
  type StopSignal,
} from './lifecycle.js';
export {
  censor,
  createLogger,
  LOG_LEVELS,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  PERSONAL_DATA_PATHS,
  REDACT_PATHS,
  REDACTED,
  SECRET_PATHS,
} from './logger.js';
export {
  createMetrics,
  type Metrics,
  type MetricsOptions,
  type OnScrape,
  type Reading,
  RPC_BUCKETS,
  type Sample,
} from './metrics.js';
export { type MetricsServer, serveMetrics } from './metrics-server.js';
export { startPeriodic } from './periodic.js';
export { type PromiseClient, type PromiseClientOptions, promiseClient } from './promise-client.js';
export { HEALTH_SERVICE, loadReflectionDescriptors } from './reflection.js';
export { installRpcTracer, type RpcSpan, type RpcTracer, rpcTracer } from './rpc-tracing.js';
export type { ServiceContext, ServiceModule, ServicePeer } from './service-module.js';
export { codePoints, TEXT_FAULT_DESCRIPTIONS, type TextFault, type TextRuleOptions, textFault } from './text-rule.js';
export { parseInstant } from './timestamps.js';
export { peerCredentials, peerTlsConfig, readTlsFiles, type TlsFiles, type TlsVariables } from './tls-files.js';
export { startTracing, type Tracing, type TracingOptions, tracesEndpoint } from './tracing.js';
export { startWhenTopicExists } from './when-topic.js';
export { type WireFault, wireFault } from './wire-check.js';
