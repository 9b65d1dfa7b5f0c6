import type { PeerCertificate } from 'node:tls';
import type { Metadata } from '@grpc/grpc-js';
import { AppError } from '@onceonly/errors';
import type { Logger } from './logger.js';

/** Roles a caller can have; carried in the client certificate's OU. */
export const CALLER_ROLES = ['department', 'platform', 'portal', 'auditor'] as const;

/** The role of a caller. */
export type CallerRole = (typeof CALLER_ROLES)[number];

/** Who is calling, as the transport established it (never as the request claims it). */
export interface Caller {
  /** Department code (the certificate's CN; for a department, its unified social credit code). */
  readonly departmentCode: string;
  /** Department name (the certificate's O); the code when unknown (development identity). */
  readonly departmentName: string;
  readonly role: CallerRole;
  /**
   * `mtls`: from a client certificate issued by the hub's CA; `oauth`: from an OAuth 2.0 access token the hub signed
   * (a platform client, ADR 036); `dev-metadata`: development mode on loopback.
   */
  readonly authenticatedBy: 'mtls' | 'oauth' | 'dev-metadata';
  /** `oauth` only: the platform client the token was issued to. */
  readonly clientId?: string;
  /** `oauth` only: the token's scopes (they decide which RPCs the caller may call). */
  readonly scopes?: readonly string[];
}

/** What a handler knows about its call, beyond the request. */
export interface CallContext {
  readonly caller: Caller;
  /** From the `x-request-id` metadata when well-formed, otherwise generated. */
  readonly requestId: string;
  /** Full method path, e.g. `/onceonly.hub.v1.HubService/WhoAmI`. */
  readonly method: string;
  /** Child logger with `requestId`, `method` and `caller` (the department code) bound. */
  readonly log: Logger;
  /** Aborted when the deadline passes or the client cancels: pass it to I/O so that work stops. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds after which the call answers DEADLINE_EXCEEDED. */
  readonly deadline: number;
}

/** Metadata keys of the development identity. */
export const DEV_CALLER_HEADER = 'x-onceonly-caller';
export const DEV_ROLE_HEADER = 'x-onceonly-role';
export const DEV_NAME_HEADER = 'x-onceonly-caller-name';

// A WeakMap and not a property: nothing a client sends can reach it, and it goes away with the call.
const contexts = new WeakMap<object, CallContext>();

/** @internal Attaches a context to a call (the gRPC server's interceptor does this). */
export function attachContext(call: object, context: CallContext): void {
  contexts.set(call, context);
}

/**
 * The context of a call that went through the kit's gRPC server.
 * @throws AppError INTERNAL when the handler was not registered through `GrpcServer.addService`.
 */
export function callContext(call: object): CallContext {
  const context = contexts.get(call);
  if (!context) throw new AppError('INTERNAL', 'call has no context: register handlers with GrpcServer.addService');
  return context;
}

/** The authenticated caller of a call (see {@link callContext}). */
export function callerOf(call: object): Caller {
  return callContext(call).caller;
}

function isRole(value: unknown): value is CallerRole {
  return typeof value === 'string' && (CALLER_ROLES as readonly string[]).includes(value);
}

/** A subject attribute may repeat, in which case Node gives an array: one value is required. */
function single(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value;
}

/**
 * Derives the caller from a verified client certificate: CN = department code, O = department name,
 * OU = role. Returns an AppError UNAUTHENTICATED when the subject does not name exactly one of each.
 */
export function callerFromCertificate(cert: PeerCertificate): Caller | AppError {
  const subject = cert.subject as unknown as Record<string, string | string[] | undefined> | undefined;
  const code = single(subject?.CN);
  const name = single(subject?.O);
  const role = single(subject?.OU);
  if (!code) return new AppError('UNAUTHENTICATED', 'client certificate names no department (CN)');
  if (!isRole(role)) return new AppError('UNAUTHENTICATED', `client certificate names no known role (OU)`);
  return { departmentCode: code, departmentName: name ?? code, role, authenticatedBy: 'mtls' };
}

// Development metadata is hostile input even on loopback: it ends up in log lines.
const DEV_CODE = /^[A-Za-z0-9._-]{1,64}$/;
const DEV_NAME_MAX = 200;

/**
 * Derives the caller from development metadata: `x-onceonly-caller` (department code, required),
 * `x-onceonly-role` (default `department`), `x-onceonly-caller-name` (default: the code).
 * Returns undefined when there is no caller header, an AppError UNAUTHENTICATED when it is malformed.
 */
export function callerFromDevMetadata(metadata: Metadata): Caller | AppError | undefined {
  const code = text(metadata.get(DEV_CALLER_HEADER)[0]);
  if (code === undefined) return undefined;
  if (!DEV_CODE.test(code)) return new AppError('UNAUTHENTICATED', `${DEV_CALLER_HEADER} is not a department code`);
  const role = text(metadata.get(DEV_ROLE_HEADER)[0]) ?? 'department';
  if (!isRole(role))
    return new AppError('UNAUTHENTICATED', `${DEV_ROLE_HEADER} must be one of ${CALLER_ROLES.join(', ')}`);
  const name = text(metadata.get(DEV_NAME_HEADER)[0])?.slice(0, DEV_NAME_MAX) ?? code;
  return { departmentCode: code, departmentName: name, role, authenticatedBy: 'dev-metadata' };
}

function text(value: string | Buffer | undefined): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
