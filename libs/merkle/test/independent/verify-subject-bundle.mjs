#!/usr/bin/env node
// An independent verifier of OnceOnly subject bundles (docs/adr/006-provably-complete-subject-bundles.md), written
// from the ADR's byte-by-byte spec with node:crypto only. It imports nothing from the project on purpose: if the
// library and this script ever disagree, one of them departs from the spec.
//
// Usage: node verify-subject-bundle.mjs [bundle.json]   (reads standard input without a file)
// Prints {"ok":true,"count":n,"lastIndex":i} and exits 0, or {"ok":false,"reason":"..."} and exits 1.
// It does not check the checkpoint's signature or the entries' inclusion in the log: those are RFC 9162 / C2SP.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
const tag = (t) => Buffer.of(t);
const u64 = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

// Strict standard base64: decode, re-encode, compare (rejects URL-safe letters, missing padding, stray bytes).
function b64(text) {
  if (typeof text !== 'string') return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
const b64of32 = (text) => {
  const b = b64(text);
  return b && b.length === 32 ? b : undefined;
};

// Empty subtree hashes by height: E0 = H(0x13), E(h+1) = H(0x12 || Eh || Eh).
const EMPTY = [sha256(tag(0x13))];
for (let h = 1; h <= 256; h++) EMPTY.push(sha256(tag(0x12), EMPTY[h - 1], EMPTY[h - 1]));

// Bit i of a 32-byte string, most significant bit of byte 0 first.
const bit = (bytes, i) => (bytes[Math.floor(i / 8)] >> (7 - (i % 8))) & 1;

function mapProofRoot(key, value, bitmap, siblings) {
  let node = value ? sha256(tag(0x11), key, value) : EMPTY[0];
  let used = 0;
  for (let height = 0; height < 256; height++) {
    let sibling = EMPTY[height];
    if (bit(bitmap, height)) {
      sibling = siblings[used++];
      if (!sibling || sibling.equals(EMPTY[height])) return undefined;
    }
    node = bit(key, 255 - height) ? sha256(tag(0x12), sibling, node) : sha256(tag(0x12), node, sibling);
  }
  return used === siblings.length ? node : undefined;
}

function parseCheckpointText(text) {
  if (typeof text !== 'string' || !text.endsWith('\n')) return undefined;
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) return undefined;
  const maps = lines.slice(3).filter((l) => l === 'onceonly-subject-map' || l.startsWith('onceonly-subject-map '));
  const mapRoot = maps.length === 1 ? b64of32(maps[0].slice('onceonly-subject-map '.length)) : undefined;
  return { size: Number(lines[1]), mapRoot };
}

const isIndex = (n) => Number.isSafeInteger(n) && n >= 0;

function decode(bundle) {
  const entries = Array.isArray(bundle?.entries) ? bundle.entries : undefined;
  const proof = bundle?.mapProof;
  if (typeof bundle?.subject !== 'string' || !entries || typeof proof !== 'object' || proof === null) return undefined;
  const decoded = entries.map((e) => ({ index: e?.index, leafHash: b64of32(e?.leafHash), subject: e?.subject }));
  if (decoded.some((e) => !isIndex(e.index) || !e.leafHash)) return undefined;
  const c = proof.chain;
  const chain = c == null ? null : { count: c.count, head: b64of32(c.head), lastIndex: c.lastIndex };
  if (c != null && typeof c !== 'object') return undefined;
  if (chain && (!isIndex(chain.count) || chain.count < 1 || !isIndex(chain.lastIndex) || !chain.head)) return undefined;
  return { entries: decoded, chain, proof };
}

/** The verdict for one bundle (the reasons and their order are those of the ADR). */
export function verify(bundle) {
  const b = decode(bundle);
  if (!b) return { ok: false, reason: 'BUNDLE_MALFORMED' };
  const cp = parseCheckpointText(bundle.checkpoint);
  if (!cp) return { ok: false, reason: 'BUNDLE_MALFORMED' };
  if (!cp.mapRoot) return { ok: false, reason: 'MAP_ROOT_MISSING' };
  const { entries, chain } = b;
  if (entries.some((e) => e.subject !== undefined && e.subject !== bundle.subject)) {
    return { ok: false, reason: 'SUBJECT_MISMATCH' };
  }
  if (new Set(entries.map((e) => e.index)).size !== entries.length) return { ok: false, reason: 'DUPLICATE_ENTRY' };
  if (entries.some((e, i) => i > 0 && e.index < entries[i - 1].index)) return { ok: false, reason: 'OUT_OF_ORDER' };
  if (entries.some((e) => e.index >= cp.size)) return { ok: false, reason: 'ENTRY_OUT_OF_RANGE' };

  if (bundle.subject === '' || bundle.subject.isWellFormed?.() === false)
    return { ok: false, reason: 'MAP_PROOF_INVALID' };
  const key = sha256(tag(0x10), Buffer.from(bundle.subject, 'utf8'));
  const value = chain && sha256(tag(0x15), u64(chain.count), chain.head, u64(chain.lastIndex));
  const bitmap = b64(b.proof.bitmap);
  const siblings = Array.isArray(b.proof.siblings) ? b.proof.siblings.map(b64of32) : [];
  const root = bitmap?.length === 32 ? mapProofRoot(key, value, bitmap, siblings) : undefined;
  if (!root?.equals(cp.mapRoot)) return { ok: false, reason: 'MAP_PROOF_INVALID' };

  const claimed = chain ?? { count: 0, head: sha256(tag(0x14), Buffer.from('empty')), lastIndex: -1 };
  if (claimed.lastIndex >= cp.size) return { ok: false, reason: 'MAP_AHEAD_OF_LOG' };
  if (entries.length < claimed.count) return { ok: false, reason: 'MISSING_ENTRY' };
  if (entries.length > claimed.count) return { ok: false, reason: 'EXTRA_ENTRY' };
  let head = sha256(tag(0x14), Buffer.from('empty'));
  for (const e of entries) head = sha256(tag(0x14), head, u64(e.index), e.leafHash);
  const last = entries.length ? entries[entries.length - 1].index : -1;
  if (head.equals(claimed.head)) return { ok: true, count: entries.length, lastIndex: last };
  if (last < claimed.lastIndex) return { ok: false, reason: 'MISSING_ENTRY' };
  if (last > claimed.lastIndex) return { ok: false, reason: 'EXTRA_ENTRY' };
  return { ok: false, reason: 'CHAIN_MISMATCH' };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = readFileSync(process.argv[2] ?? 0, 'utf8');
  let bundle;
  try {
    bundle = JSON.parse(text);
  } catch {
    bundle = undefined;
  }
  const verdict = verify(bundle);
  process.stdout.write(`${JSON.stringify(verdict)}\n`);
  process.exitCode = verdict.ok ? 0 : 1;
}
