import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RecordRejectedError, ValidationError, ValidationErrorReason } from './errors.js';

describe('errors carrying a record', () => {
  it('expose it as error.record but never serialize its data or key', () => {
    const record = { data: 'secret-payload', partitionKey: 'secret-key' };
    const errors = [
      new RecordRejectedError('AccessDeniedException: denied', record, [], { errorCode: 'AccessDeniedException' }),
      new ValidationError(ValidationErrorReason.PARTITION_KEY_TOO_LONG, 'too long', record),
    ];
    for (const error of errors) {
      expect(error.record).toBe(record);
      // What a JSON logger, pino's err serializer (enumerable own properties) and util.inspect would write.
      const written = [JSON.stringify(error), JSON.stringify({ ...error }), inspect(error)].join('\n');
      expect(written).not.toContain('secret-payload');
      expect(written).not.toContain('secret-key');
    }
  });
});
