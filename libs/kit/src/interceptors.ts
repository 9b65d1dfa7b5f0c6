import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  type Metadata,
  type MethodDefinition,
  ServerInterceptingCall,
  type ServerInterceptor,
  type ServerUnaryCall,
  type StatusObject,
  type sendUnaryData,
  status,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import { AppError, isCodedError, toAppError } from '@onceonly/errors';
import { toServiceError } from '@onceonly/errors/grpc';
import { type BearerAuth, bearerTokenOf, identifyBearer } from './bearer.js';
import {
  attachContext,
  type CallContext,
  type Caller,
  callerFromCertificate,
  callerFromDevMetadata,
} from './caller.js';
import { httpCalls } from './connect.js';
import type { Logger } from './logger.js';
import { type RpcSpan, rpcTracer } from './rpc-tracing.js';
import { MalformedRequest } from './wire-check.js';

/** What every server call has (grpc-js does not export its ServerSurfaceCall type). */
type ServerSurfaceCall = ServerUnaryCall<unknown, unknown>;
type ServerStatusResponse = Partial<StatusObject>;

/** How the kit's server wraps every handler. */
export interface InterceptorOptions {
  log: Logger;
  /** Client certificates are verified by TLS: read the caller from them. */
  mtls: boolean;
  /** Take the caller from metadata when there is no certificate (loopback only; checked by the server). */
  devIdentity: boolean;
  /** Accept OAuth 2.0 access tokens (`authorization: Bearer`) signed by the hub, their scopes checked (ADR 036). */
  bearer?: BearerAuth | undefined;
  /** Deadline applied when the client set none; 0 or Infinity for none. */
  defaultDeadlineMs: number;
  /** True once the server drains: new calls answer SHUTTING_DOWN. */
  draining: () => boolean;
  /** Told of every call's method, status code and duration (the RPC metrics, ADR 035). */
  observe?: ((method: string, code: number, seconds: number) => void) | undefined;
}

/** The longest delay setTimeout accepts (about 24.8 days); longer deadlines are clamped to it. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** `x-request-id` is hostile input that ends up in log lines: accept short, plain tokens only. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type Began =
  | { ok: true; context: CallContext; controller: LazyAbort; started: number }
  | { ok: false; error: AppError; requestId: string; started: number };

/**
 * The call's abort signal, made only when a handler asks for it (most never do): an AbortController costs a few
 * microseconds and listeners, per call. Aborting before anyone asked makes the signal, when asked, already aborted
 * with the same reason. Exported for its unit test only.
 * @internal
 */
export class LazyAbort {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

function requestIdOf(call: ServerSurfaceCall): string {
  const value = call.metadata.get('x-request-id')[0];
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * The caller of a call, in this order: a verified client certificate; an access token (`authorization: Bearer`),
 * which, once present, decides alone (a bad token is refused, never passed over for the development identity); the
 * development metadata (loopback only).
 */
function identify(call: ServerSurfaceCall, method: string, options: InterceptorOptions): Caller | AppError {
  if (options.mtls) {
    const cert = call.getAuthContext()?.sslPeerCertificate;
    if (cert) return callerFromCertificate(cert);
  }
  const token = bearerTokenOf(call.metadata);
  if (token !== undefined) {
    if (!options.bearer) return new AppError('TOKEN_INVALID', 'this server accepts no access tokens');
    const caller = identifyBearer(token, method, options.bearer);
    // a refused token is recorded with its reason (never the token): the call's own log line has only the status
    if (caller instanceof AppError) options.log.warn({ method, code: caller.code }, 'access token refused');
    return caller;
  }
  if (options.devIdentity) {
    const dev = callerFromDevMetadata(call.metadata);
    if (dev) return dev;
  }
  return new AppError('UNAUTHENTICATED', 'no caller identity: a client certificate is required');
}

function deadlineOf(call: ServerSurfaceCall, defaultMs: number, now: number): number {
  const set = call.getDeadline();
  const client = set instanceof Date ? set.getTime() : set;
  if (Number.isFinite(client)) return client;
  return defaultMs > 0 && Number.isFinite(defaultMs) ? now + defaultMs : Number.POSITIVE_INFINITY;
}

function begin(call: ServerSurfaceCall, method: string, options: InterceptorOptions): Began {
  const started = performance.now();
  const requestId = requestIdOf(call);
  if (options.draining()) {
    return { ok: false, error: new AppError('SHUTTING_DOWN', 'server is shutting down'), requestId, started };
  }
  const caller = identify(call, method, options);
  if (caller instanceof AppError) return { ok: false, error: caller, requestId, started };
  const controller = new LazyAbort();
  const deadline = deadlineOf(call, options.defaultDeadlineMs, Date.now());
  // the child logger and the signal are made when first asked for: most calls log nothing but the request line
  let log: Logger | undefined;
  const context: CallContext = {
    caller,
    requestId,
    method,
    get log() {
      log ??= options.log.child({ requestId, method, caller: caller.departmentCode });
      return log;
    },
    get signal() {
      return controller.signal;
    },
    deadline,
  };
  attachContext(call, context);
  return { ok: true, context, controller, started };
}

/** A status object a handler chose deliberately (`{ code, details }`), as opposed to an Error that escaped. */
function isStatusObject(err: unknown): err is ServerStatusResponse & { code: status } {
  if (typeof err !== 'object' || err === null || err instanceof Error) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' && Number.isInteger(code) && code > status.OK && code <= status.UNAUTHENTICATED;
}

/**
 * Maps anything a handler failed with to what goes on the wire: AppError → its status with details; a coded error
 * of a dependency-free library (`isCodedError`) → as the AppError of its code; a deliberate status object → as it is; anything else → INTERNAL with a generic message (the original is
 * logged, never sent: it may hold internals or personal data).
 */
function toWire(err: unknown, log: () => Logger, requestId: string): ServerStatusResponse {
  if (err instanceof AppError) {
    if (err.code === 'INTERNAL' || err.code === 'HANDLER_FAILED') log().error({ err }, 'handler failed');
    return toServiceError(err);
  }
  if (isCodedError(err)) return toServiceError(toAppError(err));
  if (isStatusObject(err)) return err;
  log().error({ err }, 'handler failed with an unexpected error');
  return toServiceError(new AppError('INTERNAL', `internal error (request ${requestId})`));
}

function statusName(code: number): string {
  return status[code] ?? String(code);
}

/** What the request log line says about one call. */
interface Outcome {
  method: string;
  caller: Caller | undefined;
  code: number;
  started: number;
  requestId: string;
  /** Served over HTTP/JSON (the Connect face) rather than gRPC. */
  http?: boolean;
}

function logCall(options: InterceptorOptions, outcome: Outcome, span: RpcSpan | undefined): void {
  const elapsed = performance.now() - outcome.started;
  options.observe?.(outcome.method, outcome.code, elapsed / 1000);
  span?.end(outcome.code);
  const log = options.log;
  const durationMs = Math.round(elapsed * 10) / 10;
  const fields = {
    method: outcome.method,
    caller: outcome.caller?.departmentCode,
    status: statusName(outcome.code),
    durationMs,
    requestId: outcome.requestId,
  };
  if (outcome.http) log.info({ ...fields, transport: 'http' }, 'http call');
  else log.info(fields, 'grpc call');
}

/** Runs a handler, catching synchronous throws and rejected promises (async handlers). */
function invoke(run: () => unknown, fail: (err: unknown) => void): void {
  try {
    const result = run();
    if (result instanceof Promise) result.then(undefined, fail);
  } catch (err) {
    fail(err);
  }
}

function deadlineError(): AppError {
  return new AppError('DEADLINE_EXCEEDED', 'deadline exceeded');
}

function startTimer(deadline: number, onExpire: () => void): NodeJS.Timeout | undefined {
  if (!Number.isFinite(deadline)) return undefined;
  return setTimeout(onExpire, Math.min(Math.max(0, deadline - Date.now()), MAX_TIMER_MS));
}

/**
 * Timers and the wall clock disagree by a millisecond or two, so grpc-js's deadline timer may fire a hair before
 * `Date.now()` reaches the deadline: a cancellation this close to it is the deadline.
 */
const CLOCK_SLACK_MS = 10;

/** A cancellation at (or just before) the deadline is grpc-js enforcing the client's deadline. */
function cancelCode(began: Began): number {
  const atDeadline = began.ok && Date.now() + CLOCK_SLACK_MS >= began.context.deadline;
  return atDeadline ? status.DEADLINE_EXCEEDED : status.CANCELLED;
}

type CallbackHandler = (call: ServerSurfaceCall, callback: sendUnaryData<unknown>) => unknown;
type StreamHandler = (call: ServerSurfaceCall) => unknown;

function wrapCallbackStyle(method: string, handler: CallbackHandler, options: InterceptorOptions): CallbackHandler {
  return (call, callback) => {
    const began = begin(call, method, options);
    const requestId = began.ok ? began.context.requestId : began.requestId;
    const log = () => (began.ok ? began.context.log : options.log.child({ requestId, method }));
    const caller = began.ok ? began.context.caller : undefined;
    const span = rpcTracer()?.serve(method, call.metadata);
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const end = (code: number) => {
      done = true;
      clearTimeout(timer);
      logCall(options, { method, caller, code, started: began.started, requestId, http: httpCalls.has(call) }, span);
    };
    const answer = (err: unknown, value?: unknown, trailer?: Metadata, flags?: number) => {
      if (done) return; // the deadline or a cancellation answered first
      if (err === null || err === undefined) {
        end(status.OK);
        callback(null, value, trailer, flags);
        return;
      }
      const wire = toWire(err, log, requestId);
      end(wire.code ?? status.UNKNOWN);
      callback(wire);
    };
    const finish: sendUnaryData<unknown> = (err, value, trailer, flags) => answer(err, value, trailer, flags);
    if (!began.ok) return answer(began.error);
    if (call.request instanceof MalformedRequest) return answer(call.request.error);
    call.on('cancelled', () => {
      if (done) return;
      began.controller.abort(new AppError('UNAVAILABLE', 'call cancelled'));
      end(cancelCode(began));
    });
    timer = startTimer(began.context.deadline, () => {
      began.controller.abort(deadlineError());
      answer(deadlineError());
    });
    const run = () => handler(call, finish);
    invoke(span ? () => span.run(run) : run, (err) => answer(err));
  };
}

function wrapStreamStyle(method: string, handler: StreamHandler, options: InterceptorOptions): StreamHandler {
  return (call) => {
    const began = begin(call, method, options);
    const requestId = began.ok ? began.context.requestId : began.requestId;
    const log = () => (began.ok ? began.context.log : options.log.child({ requestId, method }));
    const span = rpcTracer()?.serve(method, call.metadata);
    let code: number = status.OK;
    let errored = false;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const end = (final: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const caller = began.ok ? began.context.caller : undefined;
      logCall(
        options,
        { method, caller, code: final, started: began.started, requestId, http: httpCalls.has(call) },
        span,
      );
    };
    // grpc-js turns an 'error' event on a server stream into the call's status: map it on the way.
    const emit = call.emit.bind(call);
    call.emit = (event: string | symbol, ...args: unknown[]): boolean => {
      if (event !== 'error') return emit(event, ...args);
      if (errored || done) return false; // the status is already decided; later errors change nothing
      errored = true;
      const wire = toWire(args[0], log, requestId);
      code = wire.code ?? status.UNKNOWN;
      return emit('error', wire);
    };
    call.on('finish', () => end(code));
    if (!began.ok) {
      call.emit('error', began.error);
      return;
    }
    if (call.request instanceof MalformedRequest) {
      call.emit('error', call.request.error);
      return;
    }
    call.on('cancelled', () => {
      began.controller.abort(new AppError('UNAVAILABLE', 'call cancelled'));
      end(cancelCode(began));
    });
    timer = startTimer(began.context.deadline, () => {
      began.controller.abort(deadlineError());
      call.emit('error', deadlineError());
    });
    const run = () => handler(call);
    invoke(span ? () => span.run(run) : run, (err) => call.emit('error', err));
  };
}

/**
 * Wraps one handler with the kit's interceptors: caller identity (UNAUTHENTICATED without one), the default
 * deadline, error mapping and the request log line. Unary and client-streaming handlers answer through a
 * callback; server-streaming and bidi handlers through the stream.
 */
export function wrapHandler(
  method: MethodDefinition<unknown, unknown>,
  handler: UntypedHandleCall,
  options: InterceptorOptions,
): UntypedHandleCall {
  if (!method.responseStream) {
    return wrapCallbackStyle(method.path, handler as CallbackHandler, options) as UntypedHandleCall;
  }
  return wrapStreamStyle(method.path, handler as StreamHandler, options) as UntypedHandleCall;
}

const DETAILS_KEY = 'grpc-status-details-bin';

/** The coded error behind a status grpc-js sends on its own, before any handler runs; undefined to keep it. */
function codedStatus(sent: { code: number; details?: string; metadata?: Metadata | null }): AppError | undefined {
  if ((sent.metadata?.get(DETAILS_KEY).length ?? 0) > 0) return undefined;
  const text = sent.details ?? '';
  if (sent.code === status.RESOURCE_EXHAUSTED && text.startsWith('Received message')) {
    const fields = [{ field: 'request', reason: 'TOO_LARGE', description: 'over the receive limit' }];
    return new AppError('REQUEST_TOO_LARGE', 'request over the receive limit', { details: { fields } });
  }
  if (sent.code === status.INTERNAL && text.startsWith('Error deserializing request')) {
    const fields = [{ field: 'request', reason: 'UNDECODABLE', description: 'the message does not decode' }];
    return new AppError('REQUEST_MALFORMED', 'request does not decode', { details: { fields } });
  }
  return undefined;
}

/**
 * A server interceptor giving the statuses grpc-js answers by itself (a request over the receive limit, one that
 * does not decode) the same coded details as every other error: ErrorInfo with the code, BadRequest naming the
 * request. grpc-js sends those from inside its base call, so its `sendStatus` is wrapped on the instance.
 */
export function codedTransportErrors(log: Logger): ServerInterceptor {
  return (method, call) => {
    const send = call.sendStatus.bind(call);
    call.sendStatus = (sent) => {
      const err = codedStatus(sent);
      if (err === undefined) return send(sent);
      const wire = toServiceError(err);
      log.info({ method: method.path, status: statusName(wire.code), code: err.code }, 'grpc call refused unread');
      send({ code: wire.code, details: err.message, metadata: wire.metadata ?? null });
    };
    return new ServerInterceptingCall(call);
  };
}
