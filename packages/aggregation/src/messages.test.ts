import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { MESSAGES_DESCRIPTOR } from './messages.js';

describe('messages', () => {
  it('the protobufjs descriptor is exactly what proto/messages.proto compiles to', () => {
    const proto = readFileSync(new URL('../proto/messages.proto', import.meta.url), 'utf8');
    expect(MESSAGES_DESCRIPTOR).toEqual(protobuf.parse(proto).root.toJSON());
  });
});
