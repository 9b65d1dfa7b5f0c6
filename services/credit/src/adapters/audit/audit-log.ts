import { type ChannelCredentials, Metadata } from '@grpc/grpc-js';
import { auditV1 } from '@onceonly/contracts';
import { AppError, isAppError } from '@onceonly/errors';
import { DEV_CALLER_HEADER, DEV_ROLE_HEADER, promiseClient } from '@onceonly/kit';
import { openCheckpoint, parseVerifierKey, verifyInclusion } from '@onceonly/merkle';
import type { AuditProofs, CommitmentProof, LogKey } from '../../app/inspections.js';

/**
 * The audit log as the draw needs it (ADR 025), through its contracts only: AuditService's `GetInclusionProof` by
 * event id over gRPC, and the log's verifier key. Never the audit service's code.
 */

/** The log's key from its `vkey` (C2SP note verifier key; its name is the log's origin). */
export function logKeyOf(vkey: string): LogKey {
  let verifier: ReturnType<typeof parseVerifierKey>;
  try {
    verifier = parseVerifierKey(vkey.trim());
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', 'ONCEONLY_AUDIT_VKEY: not a note verifier key (<origin>+<id>+<key>)', {
      cause,
    });
  }
  return {
    origin: verifier.name,
    open(note) {
      try {
        const { checkpoint } = openCheckpoint(note, [verifier], verifier.name);
        return { size: checkpoint.size, root: Buffer.from(checkpoint.root) };
      } catch {
        return undefined;
      }
    },
    verifyInclusion(leafHash, index, size, hashes, root) {
      try {
        return verifyInclusion(leafHash, index, size, hashes, root);
      } catch {
        return false;
      }
    },
  };
}

const READ_PURPOSE = '双随机 draw: the commitment of the task is proved in the first signed checkpoint';

/**
 * How the service reaches the audit log: mutual TLS with its own client certificate (its subject is the reader the
 * log checks and records: ADR 040), or, without one, the development identity of the loopback hub, reading as the
 * organiser whose own commitment it is (ADR 025).
 */
export type AuditChannel = { readonly credentials: ChannelCredentials } | { readonly credentials?: undefined };

function clientAs(address: string, reader: string, channel: AuditChannel) {
  const methods = ['getInclusionProof', 'getVerifierKey'] as const;
  if (channel.credentials) {
    return promiseClient(auditV1.AuditServiceClient, auditV1, methods, address, { credentials: channel.credentials });
  }
  return promiseClient(auditV1.AuditServiceClient, auditV1, methods, address, {
    metadata: () => {
      const m = new Metadata();
      m.set(DEV_CALLER_HEADER, reader);
      m.set(DEV_ROLE_HEADER, 'department');
      return m;
    },
  });
}

/** The log's verifier key as the log at `address` announces it (the hub's own log: same trust as the process). */
export async function askLogKey(address: string, channel: AuditChannel = {}): Promise<string> {
  const client = clientAs(address, 'credit', channel);
  try {
    return (await client.getVerifierKey({})).verifierKey;
  } finally {
    client.close();
  }
}

/** AuditProofs over gRPC at `address()` (resolved per call: the hub knows its port only once it listens). */
export function grpcAuditProofs(address: () => string | undefined, channel: AuditChannel = {}): AuditProofs {
  return {
    async inclusionProof(eventId, treeSize, reader): Promise<CommitmentProof> {
      const at = address();
      if (!at) throw new AppError('INSPECTION_AUDIT_UNAVAILABLE', 'the audit log address is not known yet');
      const client = clientAs(at, reader, channel);
      try {
        const r = await client.getInclusionProof({
          leaf: { $case: 'eventId', value: eventId },
          ...(treeSize === undefined ? {} : { treeSize: String(treeSize) }),
          purpose: READ_PURPOSE,
        });
        if (!r.entry)
          throw new AppError('INSPECTION_PROOF_INVALID', 'the audit log answered the proof without its entry');
        return {
          eventId,
          leafIndex: Number(r.leafIndex),
          treeSize: Number(r.treeSize),
          leafHash: Buffer.from(r.leafHash),
          hashes: r.hashes.map((h) => Buffer.from(h)),
          leafCanonical: Buffer.from(r.entry.canonical),
          commitmentBody: Buffer.from(r.entry.event?.data ?? new Uint8Array()),
        };
      } catch (err) {
        if (
          isAppError(err) &&
          (err.code === 'AUDIT_EVENT_NOT_FOUND' ||
            err.code === 'AUDIT_NOT_YET_CHECKPOINTED' ||
            err.code === 'AUDIT_CHECKPOINT_NOT_FOUND')
        ) {
          throw new AppError(
            'INSPECTION_NOT_CHECKPOINTED',
            "the task's commitment is not in the audit log's signed checkpoints yet: draw after the next checkpoint",
          );
        }
        if (isAppError(err) && err.code.startsWith('INSPECTION_')) throw err;
        throw new AppError(
          'INSPECTION_AUDIT_UNAVAILABLE',
          `the audit log cannot prove the commitment: ${String(err)}`,
          {
            cause: err,
          },
        );
      } finally {
        client.close();
      }
    },
  };
}
