import { int, list, loadConfig, str } from '@onceonly/kit';

/** Every environment variable the audit log reads. */
export const AUDIT_CONFIG = {
  ONCEONLY_AUDIT_NOTE_KEY: str({
    optional: true,
    secret: true,
    doc: 'the log signing key, a C2SP note signer key PRIVATE+KEY+<origin>+<id>+<key> (required outside the embedded mode)',
  }),
  ONCEONLY_AUDIT_PREVIOUS_NOTE_KEY: str({
    optional: true,
    secret: true,
    doc: "when rotating the log key: the log's current signing key, which announces ONCEONLY_AUDIT_NOTE_KEY (README, Rotating the log key)",
  }),
  ONCEONLY_AUDIT_ORIGIN: str({
    optional: true,
    pattern: /[^\s+]+/,
    patternDoc: 'a log origin without spaces or "+"',
    doc: 'the checkpoint origin (default: the signing key name; embedded: onceonly.gov.cn/audit/dev)',
  }),
  ONCEONLY_AUDIT_CHECKPOINT_ENTRIES: int({ default: 1000, min: 1, doc: 'sign a checkpoint every N new entries' }),
  ONCEONLY_AUDIT_CHECKPOINT_MS: int({
    default: 10_000,
    min: 10,
    doc: 'or this long after the last checkpoint, when the tree grew',
  }),
  ONCEONLY_AUDIT_WITNESS_KEYS: list({ optional: true, doc: 'vkeys of the witnesses whose cosignatures are accepted' }),
  ONCEONLY_AUDIT_GAP_GRACE_MS: int({
    default: 60_000,
    min: 0,
    doc: 'warn about a sequence hole still open this long after it was seen',
  }),
  ONCEONLY_AUDIT_GROUP: str({
    default: 'onceonly-audit',
    pattern: /[A-Za-z0-9._-]{1,200}/,
    patternDoc: 'letters, digits, ".", "_" and "-"',
    doc: "the log's Kafka consumer group, in the hub's namespace; one per log in one namespace (two logs in one group split the events)",
  }),
  ONCEONLY_AUDIT_READS_TOPIC: str({
    default: 'onceonly.audit.reads.v1',
    pattern: /onceonly\.[a-z0-9][a-z0-9._-]*/,
    patternDoc: 'a topic name starting with "onceonly."',
    doc: "the topic of the log's records of reads (audit.entries-read), in the hub's namespace; one per log in one namespace",
  }),
} as const;

export type AuditConfig = ReturnType<typeof loadAuditConfig>;

/** Loads the audit log's configuration; CONFIG_MISSING / CONFIG_INVALID name the variable. */
export function loadAuditConfig(env: NodeJS.ProcessEnv) {
  return loadConfig(AUDIT_CONFIG, env);
}
