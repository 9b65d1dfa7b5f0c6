#!/usr/bin/env node
// An independent verifier of a 双随机 draw (issue 13, item 5), written from the published procedure alone, without
// OnceOnly's code: Node's standard library only (node:crypto, node:fs). Anyone can read it in ten minutes and run it.
//
//   node verify-draw.mjs <draw.json | -> [--key <the audit log's verifier key>]     (-: standard input)
//
// <draw.json> holds what the draw's events publish: { "task": <the task document>, "checkpoint": { "note": <the
// signed checkpoint note text> }, "result": { "taskDigest", "checkpointRoot", "seed", "drawn": [{ "creditCode",
// "grade", "inspectors" }] } }. With --key, the checkpoint's Ed25519 signature (C2SP signed note) is checked too.
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
  let published;
  let checkpoint;
  try {
    if (file === undefined) throw new Error('usage: verify-draw.mjs <draw.json> [--key <verifier key>]');
    published = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
    checkpoint = checkpointOf(published.checkpoint.note, verifierKey);
  } catch (err) {
    process.stderr.write(`verify-draw: ${err.message}\n`);
    return 2;
  }
  const problems = [];
  if (verifierKey !== undefined && !checkpoint.signed) problems.push('the checkpoint is not signed by that key');
  const { task, result } = published;
  const mine = recompute(task, checkpoint.root);
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
    taskDigest: mine.taskDigest,
    seed: mine.seed,
    drawn: mine.drawn.length,
    problems,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
