#!/usr/bin/env node
// An independent verifier of a 双随机 draw (issue 13, item 5), written from the published procedure alone, without
// OnceOnly's code: Node's standard library only (node:crypto, node:fs). Anyone can read it in ten minutes and run it.
//
//   node verify-draw.mjs <draw.json | -> [--key <the audit log's verifier key>] [--require-commitment]
//                                                                                     (-: standard input)
//
// <draw.json> holds what the draw's events publish: { "task": <the task document>, "checkpoint": { "note": <the
// signed checkpoint note text> }, "result": { "taskDigest", "checkpointRoot", "seed", "drawn": [{ "creditCode",
// "grade", "inspectors" }] } }, and, from `inspection.draw.completed`, "previousCheckpoint": { "note" } (or null) and
// "commitment": { "eventId", "leafIndex", "treeSize", "leafHash" (hex), "hashes" (hex, bottom up), "leafCanonical"
// (base64: the audit log's leaf, JSON), "body" (base64: the `inspection.task.committed` body) }. With --key, the
// checkpoints' Ed25519 signatures (C2SP signed note) are checked too. With the commitment (required by
// --require-commitment), also: the leaf is the commitment of this task (its hash, its event id and type, its body's
// SHA-256, the body beginning with 0x0A 0x20 ‖ taskDigest), the RFC 9162 inclusion proof leads to the checkpoint's
// root, and the checkpoint is the first containing it (the previous signed checkpoint's size ≤ the leaf index <
// the checkpoint's size).
// Exit 0: the draw recomputes exactly. Exit 1: it does not (each difference printed). Exit 2: unreadable input.
//
// The procedure, as published:
//   taskDigest = SHA-256(RFC 8785 canonical JSON of the task document)
//   seed       = SHA-256(taskDigest ‖ checkpointRoot)                      (32 + 32 raw bytes)
//   score      = SHA-256(seed ‖ UTF-8("entity:" + creditCode)), big-endian; per grade ascending, the first
//                ceil(ratioBasisPoints × countInGrade / 10000) drawn
//   inspectors = sorted by SHA-256(seed ‖ UTF-8("inspector:" + creditCode + ":" + inspectorId)) ascending, recused
//                ones skipped (own department's recent inspection of the entity, a declared conflict), first k
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
  return h.digest();
};

// RFC 8785: object keys sorted by UTF-16 code units, no whitespace, ECMAScript serialisation of strings and numbers
// (which JSON.stringify is).
function jcs(value) {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('JCS: a number must be finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs(value[k])}`).join(',')}}`;
  }
  throw new Error(`JCS: cannot serialise a ${typeof value}`);
}

// A C2SP signed note: text, a blank line, signature lines "— <name> <base64(key hash ‖ signature)>".
function checkpointOf(note, verifierKey) {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('the checkpoint note has no signature block');
  const text = note.slice(0, split + 1);
  const lines = text.slice(0, -1).split('\n');
  const root = Buffer.from(lines[2] ?? '', 'base64');
  if (lines.length < 3 || root.length !== 32) throw new Error('the checkpoint has no 32-byte root hash line');
  const checkpoint = { origin: lines[0], size: Number(lines[1]), root, signed: undefined };
  if (verifierKey === undefined) return checkpoint;
  // <name>+<8 hex digits of the key hash>+<base64(0x01 ‖ public key)> (base64 may itself contain '+')
  const [, name, hashHex, keyB64] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(verifierKey) ?? [];
  const key = Buffer.from(keyB64 ?? '', 'base64');
  if (key.length !== 33 || key[0] !== 0x01) throw new Error('the verifier key is not an Ed25519 note key');
  const keyHash = sha256(`${name}\n`, key).subarray(0, 4);
  if (keyHash.toString('hex') !== hashHex) throw new Error('the verifier key hash does not match the key');
  const publicKey = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.subarray(1)]),
    format: 'der',
    type: 'spki',
  });
  checkpoint.signed = note
    .slice(split + 2)
    .split('\n')
    .filter((l) => l.startsWith(`\u2014 ${name} `))
    .map((l) => Buffer.from(l.slice(name.length + 3), 'base64'))
    .some(
      (sig) =>
        sig.length === 68 &&
        sig.subarray(0, 4).equals(keyHash) &&
        verify(null, Buffer.from(text, 'utf8'), publicKey, sig.subarray(4)),
    );
  return checkpoint;
}

// RFC 9162 §2.1.3.2: does the audit path lead from the leaf hash at `index` to `root` in a tree of `size` leaves?
function inclusionHolds(leafHash, index, size, path, root) {
  if (!(index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(Buffer.from([1]), p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = sha256(Buffer.from([1]), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

// The commitment's checks: this task's commitment is a leaf of the checkpoint's tree, and no earlier signed
// checkpoint contained it.
function commitmentProblems(published, checkpoint, previous, taskDigest) {
  const c = published.commitment;
  const problems = [];
  const canonical = Buffer.from(c.leafCanonical, 'base64');
  const body = Buffer.from(c.body, 'base64');
  const leafHash = Buffer.from(c.leafHash, 'hex');
  if (!sha256(Buffer.from([0]), canonical).equals(leafHash)) problems.push('the leaf hash is not SHA-256(0x00 ‖ leaf)');
  let leaf = {};
  try {
    leaf = JSON.parse(canonical.toString('utf8'));
  } catch {
    problems.push('the leaf is not JSON');
  }
  if (leaf.id !== c.eventId) problems.push(`the leaf is event ${leaf.id}, not the commitment ${c.eventId}`);
  if (leaf.type !== 'inspection.task.committed') problems.push(`the leaf is a ${leaf.type}, not a commitment`);
  if (leaf.datasha256 !== sha256(body).toString('hex'))
    problems.push("the leaf names another body than the commitment's");
  if (!body.subarray(0, 34).equals(Buffer.concat([Buffer.from([0x0a, 0x20]), Buffer.from(taskDigest, 'hex')])))
    problems.push("the commitment's body does not begin with this task's digest");
  if (Number(c.treeSize) !== checkpoint.size) problems.push("the proof is not for the checkpoint's tree size");
  const hashes = c.hashes.map((h) => Buffer.from(h, 'hex'));
  if (!inclusionHolds(leafHash, Number(c.leafIndex), checkpoint.size, hashes, checkpoint.root))
    problems.push("the inclusion proof does not lead to the checkpoint's root");
  if (previous) {
    if (previous.origin !== checkpoint.origin) problems.push('the previous checkpoint is of another log');
    if (!(previous.size <= Number(c.leafIndex)))
      problems.push(
        `not the first checkpoint: the previous one (size ${previous.size}) already contains leaf ${c.leafIndex}`,
      );
  }
  return problems;
}

function recompute(task, root) {
  const digest = sha256(jcs(task));
  const seed = sha256(digest, root);
  const recent = new Set(task.recusals.recentInspections.map((r) => `${r.department} ${r.creditCode}`));
  const conflicts = new Set(task.recusals.conflicts.map((c) => `${c.inspectorId} ${c.creditCode}`));
  const drawn = [];
  for (const grade of ['A', 'B', 'C', 'D']) {
    const inGrade = task.candidates
      .filter((c) => c.grade === grade)
      .map((c) => ({ code: c.creditCode, score: sha256(seed, `entity:${c.creditCode}`).toString('hex') }))
      .sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : 0)); // equal-length hex: numeric order
    if (inGrade.length === 0) continue;
    const n = Math.ceil((task.ratios[grade] * inGrade.length) / 10000);
    for (const { code } of inGrade.slice(0, n)) {
      const inspectors = task.inspectors
        .filter((p) => !recent.has(`${p.department} ${code}`) && !conflicts.has(`${p.id} ${code}`))
        .map((p) => ({ id: p.id, h: sha256(seed, `inspector:${code}:${p.id}`).toString('hex') }))
        .sort((a, b) => (a.h < b.h ? -1 : 1))
        .slice(0, task.inspectorsPerTarget)
        .map((p) => p.id);
      drawn.push({ creditCode: code, grade, inspectors });
    }
  }
  return { taskDigest: digest.toString('hex'), seed: seed.toString('hex'), drawn };
}

function main(argv) {
  const file = argv[0];
  const keyAt = argv.indexOf('--key');
  const verifierKey = keyAt >= 0 ? argv[keyAt + 1] : undefined;
  const requireCommitment = argv.includes('--require-commitment');
  let published;
  let checkpoint;
  let previous;
  try {
    if (file === undefined) throw new Error('usage: verify-draw.mjs <draw.json> [--key <verifier key>]');
    published = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
    checkpoint = checkpointOf(published.checkpoint.note, verifierKey);
    const previousNote = published.previousCheckpoint?.note;
    previous = previousNote ? checkpointOf(previousNote, verifierKey) : undefined;
  } catch (err) {
    process.stderr.write(`verify-draw: ${err.message}\n`);
    return 2;
  }
  const problems = [];
  if (verifierKey !== undefined && !checkpoint.signed) problems.push('the checkpoint is not signed by that key');
  if (verifierKey !== undefined && previous && !previous.signed)
    problems.push('the previous checkpoint is not signed by that key');
  const { task, result } = published;
  const mine = recompute(task, checkpoint.root);
  if (published.commitment) problems.push(...commitmentProblems(published, checkpoint, previous, mine.taskDigest));
  else if (requireCommitment) problems.push("no commitment: the draw does not show its task's place in the log");
  if (result.checkpointRoot !== checkpoint.root.toString('hex'))
    problems.push("checkpointRoot is not the checkpoint's root");
  if (result.taskDigest !== mine.taskDigest)
    problems.push(`taskDigest: published ${result.taskDigest}, recomputed ${mine.taskDigest}`);
  if (result.seed !== mine.seed) problems.push(`seed: published ${result.seed}, recomputed ${mine.seed}`);
  const theirs = result.drawn.map((d) => ({ creditCode: d.creditCode, grade: d.grade, inspectors: d.inspectors }));
  const length = Math.max(theirs.length, mine.drawn.length);
  for (let i = 0; i < length; i++) {
    const a = JSON.stringify(theirs[i] ?? null);
    const b = JSON.stringify(mine.drawn[i] ?? null);
    if (a !== b) problems.push(`drawn[${i}]: published ${a}, recomputed ${b}`);
  }
  const out = {
    match: problems.length === 0,
    task: task.taskId,
    checkpoint: { origin: checkpoint.origin, size: checkpoint.size, signed: checkpoint.signed ?? null },
    previousCheckpoint: previous ? { size: previous.size, signed: previous.signed ?? null } : null,
    commitment: published.commitment
      ? { eventId: published.commitment.eventId, leafIndex: Number(published.commitment.leafIndex) }
      : null,
    taskDigest: mine.taskDigest,
    seed: mine.seed,
    drawn: mine.drawn.length,
    problems,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
