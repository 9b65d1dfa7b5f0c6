import { randomBytes, randomUUID } from 'node:crypto';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { certificateV1 as cv, HolderCodeType } from '@onceonly/contracts';
import { computeUsccCheck } from '@onceonly/ids';

// The load: IssueCertificate, then ChangeCertificate or SuspendCertificate of the licence issued, each command under
// an idempotency key (suspension has none in the contract: its state machine makes a repeat a refusal, which a client
// that retried takes as done). An attempt that gets no answer, or an answer that says "try again" (UNAVAILABLE,
// DEADLINE_EXCEEDED, INTERNAL...), is retried with the same key on the next replica, as a client behind a load
// balancer would; a command is acknowledged by its first successful answer.

/** 上海市普陀区市场监督管理局, which issues food business licences. */
export const MARKET = '11310107MB2F03587N';
/** 食品经营许可证. */
const FOOD_LICENCE = '11100000000013338W002';
const FIELDS = {
  legal_representative: '王芳',
  premises: '上海市普陀区长寿路100号',
  main_format: '餐饮服务经营者',
  business_items: '热食类食品制售',
};
/** Answers that mean "not done, or not known to be done": retried with the same key. */
const RETRYABLE = new Set<number>([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.INTERNAL,
  status.UNKNOWN,
  status.ABORTED,
  status.CANCELLED,
  status.RESOURCE_EXHAUSTED,
]);

export type CommandKind = 'issue' | 'change' | 'suspend';

/** One command as the client saw it. */
export interface Command {
  readonly kind: CommandKind;
  readonly key: string;
  /** The holder of the licence (one per issue: unique in the run). */
  readonly holder: string;
  /** The certificate the command is about: the issued one, or the one changed or suspended. */
  certificateId?: string;
  readonly phase: string;
  attempts: number;
  outcome: 'pending' | 'acknowledged' | 'given-up' | 'refused';
  ackedAt?: number;
  refusal?: string;
}

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Unique unified social credit codes for the run: `91310107` + a run prefix + a counter, with the check character. */
export function holderCodes(): () => string {
  const prefix = [...randomBytes(4)].map((b) => USCC_ALPHABET[b % 31]).join('');
  let n = 0;
  return () => {
    n += 1;
    let rest = '';
    for (let v = n, i = 0; i < 5; i++, v = Math.floor(v / 31)) rest = USCC_ALPHABET[v % 31] + rest;
    const first17 = `91310107${prefix}${rest}`;
    return `${first17}${computeUsccCheck(first17)}`;
  };
}

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: number },
  callback: (err: ServiceError | null, response: Res) => void,
) => unknown;

/** The load generator over the certificate replicas' addresses. */
export class Load {
  readonly commands: Command[] = [];
  private readonly clients: cv.CertificateServiceClient[];
  private readonly nextHolder = holderCodes();
  private turn = 0;
  private running = false;
  private workers: Promise<void>[] = [];
  private lastAck = 0;

  constructor(
    addresses: readonly string[],
    private readonly options: { workers: number; pauseMs: number; attemptMs: number; giveUpMs: number },
  ) {
    this.clients = addresses.map((a) => new cv.CertificateServiceClient(a, credentials.createInsecure()));
  }

  /** Starts the workers, each issuing then changing or suspending, until {@link Load.drain}. */
  start(phase: string): void {
    this.running = true;
    this.workers = Array.from({ length: this.options.workers }, (_, i) => this.worker(phase, i));
  }

  /** Stops starting commands and waits for those in flight (retried until acknowledged or given up). */
  async drain(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /** The time of the last acknowledgement (ms since the epoch). */
  lastAcknowledged(): number {
    return this.lastAck;
  }

  close(): void {
    for (const c of this.clients) c.close();
  }

  private async worker(phase: string, index: number): Promise<void> {
    for (let n = 0; this.running; n++) {
      const issued = await this.issue(phase);
      if (issued.outcome === 'acknowledged' && issued.certificateId) {
        if ((n + index) % 2 === 0) await this.change(phase, issued);
        else await this.suspend(phase, issued);
      }
      await sleep(this.options.pauseMs);
    }
  }

  private issue(phase: string): Promise<Command> {
    const command = this.track({ kind: 'issue', holder: this.nextHolder(), phase });
    const request = cv.IssueCertificateRequest.fromPartial({
      idempotencyKey: command.key,
      typeCode: FOOD_LICENCE,
      holder: {
        code: command.holder,
        codeType: HolderCodeType.HOLDER_CODE_TYPE_USCC,
        name: '上海普陀小笼包餐饮有限公司',
      },
      fields: FIELDS,
    });
    return this.send(
      command,
      (c) => c.issueCertificate.bind(c) as Unary<typeof request, cv.IssueCertificateResponse>,
      request,
      (r) => {
        command.certificateId = r.certificate?.id;
      },
    );
  }

  private change(phase: string, issued: Command): Promise<Command> {
    const command = this.track({ kind: 'change', holder: issued.holder, phase, certificateId: issued.certificateId });
    const request = cv.ChangeCertificateRequest.fromPartial({
      id: issued.certificateId ?? '',
      fields: { premises: '上海市普陀区长寿路200号' },
      reason: '经营场所变更',
      idempotencyKey: command.key,
    });
    return this.send(command, (c) => c.changeCertificate.bind(c) as Unary<typeof request, unknown>, request);
  }

  private suspend(phase: string, issued: Command): Promise<Command> {
    const command = this.track({ kind: 'suspend', holder: issued.holder, phase, certificateId: issued.certificateId });
    const request = cv.SuspendCertificateRequest.fromPartial({
      id: issued.certificateId ?? '',
      reason: '责令停业整顿',
      legalBasis: '食品安全法第一百二十六条',
      until: '',
    });
    return this.send(command, (c) => c.suspendCertificate.bind(c) as Unary<typeof request, unknown>, request);
  }

  private track(fields: Pick<Command, 'kind' | 'holder' | 'phase' | 'certificateId'>): Command {
    const command: Command = { ...fields, key: `faults-${randomUUID()}`, attempts: 0, outcome: 'pending' };
    this.commands.push(command);
    return command;
  }

  /** Sends until acknowledged, refused, or `giveUpMs` has passed; each attempt on the next replica. */
  private async send<Req, Res>(
    command: Command,
    method: (c: cv.CertificateServiceClient) => Unary<Req, Res>,
    request: Req,
    onAck: (response: Res) => void = () => undefined,
  ): Promise<Command> {
    const deadline = Date.now() + this.options.giveUpMs;
    let backoff = 200;
    while (Date.now() < deadline) {
      command.attempts += 1;
      const client = this.clients[this.turn++ % this.clients.length]!;
      const answer = await attempt(method(client), request, this.options.attemptMs);
      if (answer.ok) {
        onAck(answer.response);
        return this.acknowledged(command);
      }
      const code = answer.error.code;
      // a suspension retried after an unanswered attempt: refused as already suspended, so the first one took
      if (command.kind === 'suspend' && command.attempts > 1 && code === status.FAILED_PRECONDITION) {
        return this.acknowledged(command);
      }
      if (!RETRYABLE.has(code)) {
        command.outcome = 'refused';
        command.refusal = `${status[code]}: ${answer.error.details}`;
        return command;
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 2_000);
    }
    command.outcome = 'given-up';
    return command;
  }

  private acknowledged(command: Command): Command {
    command.outcome = 'acknowledged';
    command.ackedAt = Date.now();
    this.lastAck = command.ackedAt;
    return command;
  }
}

function attempt<Req, Res>(
  method: Unary<Req, Res>,
  request: Req,
  timeoutMs: number,
): Promise<{ ok: true; response: Res } | { ok: false; error: ServiceError }> {
  const md = new Metadata();
  md.set('x-onceonly-caller', MARKET);
  return new Promise((resolve) => {
    method(request, md, { deadline: Date.now() + timeoutMs }, (err, response) =>
      resolve(err ? { ok: false, error: err } : { ok: true, response }),
    );
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
