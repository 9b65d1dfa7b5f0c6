import { Agent, createServer as createHttpServer, request as httpRequest } from 'node:http';
import {
  Client,
  credentials,
  type Metadata,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { progress } from './progress.js';
import { type Latency, nowMs, summarise } from './stats.js';

/** What a closed-loop run found: calls, wall time, calls per second and per-call latency. */
export interface LoadResult {
  name: string;
  calls: number;
  concurrency: number;
  seconds: number;
  callsPerSecond: number;
  latencyMs: Latency;
  /** CPU time of this process (client and server alike: both run here) per call, in milliseconds. */
  cpuMsPerCall: number;
  note: string;
}

/**
 * Runs `calls` calls from `concurrency` workers, each starting its next call when its previous one returned (a
 * closed loop: `concurrency` calls in flight). Latency is measured per call, from just before it starts to its
 * answer. Any failed call fails the run: a benchmark of errors measures nothing.
 */
export async function closedLoop(options: {
  label: string;
  calls: number;
  concurrency: number;
  call: (i: number) => Promise<unknown>;
  /** Shows progress (the measured runs do; warm-ups do not). */
  quiet?: boolean;
}): Promise<{ seconds: number; latencies: number[]; started: number; finished: number }> {
  const latencies: number[] = [];
  const bar = options.quiet ? undefined : progress(options.label, options.calls);
  let next = 0;
  const started = nowMs();
  const worker = async () => {
    for (let i = next++; i < options.calls; i = next++) {
      const t0 = nowMs();
      await options.call(i);
      latencies.push(nowMs() - t0);
      bar?.update(latencies.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.calls) }, worker));
  const finished = nowMs();
  bar?.stop();
  return { seconds: (finished - started) / 1000, latencies, started, finished };
}

/** One kind of call of {@link measureInterleaved}. */
export interface LoadTarget {
  name: string;
  label: string;
  call: (i: number) => Promise<unknown>;
  note: string;
}

/**
 * Measures several kinds of call under the same load: after a quiet warm-up of `warmup` calls of each, `rounds`
 * rounds, each running `calls / rounds` calls of every target in turn, so that what else the machine does in the
 * meantime weighs on all of them alike. Each result sums its rounds: calls per second over its own time, latency
 * over all its calls, and the CPU time of this process per call.
 */
export async function measureInterleaved(
  targets: readonly LoadTarget[],
  options: { calls: number; warmup: number; concurrency: number; rounds: number },
): Promise<LoadResult[]> {
  for (const target of targets) {
    await closedLoop({
      label: target.label,
      calls: options.warmup,
      concurrency: options.concurrency,
      call: (i) => target.call(options.calls + i),
      quiet: true,
    });
  }
  const found = targets.map(() => ({ seconds: 0, cpuMs: 0, latencies: [] as number[] }));
  let done = 0;
  for (let round = 1; round <= options.rounds; round++) {
    const calls = Math.round((options.calls * round) / options.rounds) - done;
    for (const [t, target] of targets.entries()) {
      const cpu0 = process.cpuUsage();
      const run = await closedLoop({
        label: target.label,
        calls,
        concurrency: options.concurrency,
        call: (i) => target.call(done + i),
        quiet: true,
      });
      const cpu = process.cpuUsage(cpu0);
      const sum = found[t]!;
      sum.seconds += run.seconds;
      sum.cpuMs += (cpu.user + cpu.system) / 1000;
      sum.latencies.push(...run.latencies);
      process.stderr.write(
        `${target.label}, round ${round}/${options.rounds}: ${calls} calls, ${Math.round(calls / run.seconds)}/s\n`,
      );
    }
    done += calls;
  }
  return targets.map((target, t) => {
    const sum = found[t]!;
    return {
      name: target.name,
      calls: options.calls,
      concurrency: options.concurrency,
      seconds: sum.seconds,
      callsPerSecond: options.calls / sum.seconds,
      latencyMs: summarise(sum.latencies),
      cpuMsPerCall: sum.cpuMs / options.calls,
      note: target.note,
    };
  });
}

/** One kind of call measured alone: {@link measureInterleaved} with one target and one round. */
export async function measureLoad(
  options: LoadTarget & { calls: number; warmup: number; concurrency: number },
): Promise<LoadResult> {
  const [result] = await measureInterleaved([options], { ...options, rounds: 1 });
  return result!;
}

const identity = (b: Buffer) => b;

/** One unary method whose messages are raw bytes: no protobuf code, nothing but grpc-js. */
const ECHO: ServiceDefinition = {
  echo: {
    path: '/onceonly.bench.v1.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** A bare grpc-js server with one unary method answering the request bytes, and a client of it. */
export interface BareEcho {
  address: string;
  /** One unary call carrying `body` (and `metadata`), answered with the same bytes. */
  call(body: Buffer, metadata: Metadata): Promise<Buffer>;
  stop(): Promise<void>;
}

/** The baseline of the gRPC measurements: grpc-js alone (no interceptors, no logging, no handler work). */
export async function startBareEcho(): Promise<BareEcho> {
  const server = new Server();
  server.addService(ECHO, {
    echo: (call: { request: Buffer }, callback: (err: null, value: Buffer) => void) => callback(null, call.request),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  const address = `127.0.0.1:${port}`;
  const client = new Client(address, credentials.createInsecure());
  const path = ECHO.echo!.path;
  return {
    address,
    call: (body, metadata) =>
      new Promise<Buffer>((resolve, reject) => {
        client.makeUnaryRequest(
          path,
          identity,
          identity,
          body,
          metadata,
          { deadline: Date.now() + 30_000 },
          (err: ServiceError | null, value?: Buffer) =>
            err || !value ? reject(err ?? new Error('no answer')) : resolve(value),
        );
      }),
    stop: async () => {
      client.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

/** A keep-alive HTTP/1.1 client: `sockets` connections at most, reused (as a platform's client pool would be). */
export function httpClient(sockets: number): {
  post(url: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: Buffer }>;
  close(): void;
} {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return {
    post: (url, body, headers) =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          url,
          { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/** A bare node:http server answering every POST with its body: the baseline of the HTTP/JSON measurement. */
export interface BareHttpEcho {
  url: string;
  /** One POST carrying `body` (and `headers`), answered with the same bytes. */
  call(body: Buffer, headers: Record<string, string>): Promise<Buffer>;
  stop(): Promise<void>;
}

/** node:http alone, on one keep-alive client pool of `sockets` connections: no routing, no JSON, no interceptors. */
export async function startBareHttpEcho(sockets: number): Promise<BareHttpEcho> {
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/echo`;
  const client = httpClient(sockets);
  return {
    url,
    call: async (body, headers) => {
      const answer = await client.post(url, body, headers);
      if (answer.status !== 200) throw new Error(`bare HTTP echo: ${answer.status}`);
      return answer.body;
    },
    stop: async () => {
      client.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
