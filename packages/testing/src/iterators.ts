import crypto from 'node:crypto';

// kinesis-mock and kinesalite encrypt shard iterators with the same published AES-256-CBC key and IV; the
// plaintext starts with the creation time. Re-encrypting it with an older time forges an aged iterator, so
// `ExpiredIteratorException` (5 minutes on both servers) can be tested at once instead of after a wait.
const KEY = Buffer.from('1133a5a833666b49abf28c8ba302930f0b2fb240dccd43cf4dfbc0ca91f17751', 'hex');
const IV = Buffer.from('7bf139dbabbea2d9995d6fcae1dff7da', 'hex');
const HEADER = Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]);

/** Iterator age after which the local servers (and AWS) answer `ExpiredIteratorException`. */
export const ITERATOR_LIFETIME_MS = 300_000;

/**
 * Returns a copy of a kinesis-local / kinesalite shard iterator that claims to be `ageMs` old. With
 * `ageMs > ITERATOR_LIFETIME_MS` the next GetRecords on it fails with `ExpiredIteratorException`.
 */
export function ageShardIterator(iterator: string, ageMs: number): string {
  const decipher = crypto.createDecipheriv('aes-256-cbc', KEY, IV);
  const plain = Buffer.concat([
    decipher.update(Buffer.from(iterator, 'base64').subarray(HEADER.length)),
    decipher.final(),
  ]);
  const parts = plain.toString('utf8').split('/');
  parts[0] = String(Date.now() - ageMs).padStart(14, '0');
  const cipher = crypto.createCipheriv('aes-256-cbc', KEY, IV);
  return Buffer.concat([HEADER, cipher.update(parts.join('/'), 'utf8'), cipher.final()]).toString('base64');
}
