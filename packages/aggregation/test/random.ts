// Deterministic random user records for property tests (seeded, so a failure reproduces).
import type { UserRecord, UserRecordTag } from '../src/index.js';

/** mulberry32: a tiny seeded PRNG returning 0 ≤ x < 1. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ASCII, 2-byte (Cyrillic), 3-byte (CJK), 4-byte (emoji, surrogate pairs) UTF-8 characters.
const ALPHABET = ['a', 'Z', '0', '-', '_', 'ж', 'é', '中', '日', '😀', '🚀', '𝄞'];

export function randomString(random: () => number, minLength: number, maxLength: number): string {
  const length = minLength + Math.floor(random() * (maxLength - minLength + 1));
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return s;
}

export function randomBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** A decimal hash key in 0 … 2^128 − 1, with the bounds themselves now and then. */
export function randomHashKey(random: () => number): string {
  const r = random();
  if (r < 0.1) return '0';
  if (r < 0.2) return (2n ** 128n - 1n).toString();
  let value = 0n;
  for (let i = 0; i < 4; i++) value = (value << 32n) | BigInt(Math.floor(random() * 2 ** 32));
  return value.toString();
}

export interface RandomRecordOptions {
  keys: string[];
  hashKeys: string[];
  maxDataBytes: number;
  /** Share of records with an explicit hash key / with tags. */
  ehkRate?: number;
  tagRate?: number;
}

export function randomUserRecord(random: () => number, options: RandomRecordOptions): UserRecord {
  const key = options.keys[Math.floor(random() * options.keys.length)] ?? 'k';
  const dataLength = random() < 0.1 ? 0 : Math.floor(random() * (options.maxDataBytes + 1));
  const record: UserRecord = { partitionKey: key, data: randomBytes(random, dataLength) };
  if (random() < (options.ehkRate ?? 0.2)) {
    record.explicitHashKey = options.hashKeys[Math.floor(random() * options.hashKeys.length)];
  }
  if (random() < (options.tagRate ?? 0.1)) {
    const tags: UserRecordTag[] = [];
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) {
      tags.push(
        random() < 0.5
          ? { key: randomString(random, 0, 5) }
          : { key: randomString(random, 1, 5), value: randomString(random, 0, 8) },
      );
    }
    record.tags = tags;
  }
  return record;
}
