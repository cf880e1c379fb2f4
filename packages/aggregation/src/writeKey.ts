/**
 * Writes a partition key as UTF-8. A short ASCII key (its byte count equals its length only when every character is
 * ASCII) is copied character by character: cheaper than the native UTF-8 encoder's call for the ~10-30 characters
 * keys usually have, and a key table holds one per distinct key of the aggregate.
 */
export function writeKey(buffer: Buffer, offset: number, key: string, bytes: number): number {
  if (bytes !== key.length || bytes > SHORT_KEY_CHARS) return offset + buffer.write(key, offset, bytes, 'utf8');
  for (let i = 0; i < bytes; i++) buffer[offset + i] = key.charCodeAt(i);
  return offset + bytes;
}

const SHORT_KEY_CHARS = 64;
