/** The parameter schema check shared by the server and the page: the words of services/validate.ts. */
import { describe, expect, it } from 'vitest';
import { parameterErrors, type ParametersSchema } from '../../src/protocol/index.js';
import { createChecker } from '../../src/services/validate.js';

const schema: ParametersSchema = {
  type: 'object',
  properties: {
    host: { type: 'string', maxLength: 8 },
    count: { type: 'integer', minimum: 0, maximum: 10 },
    on: { type: 'boolean' },
    mode: { type: 'string', maxLength: 10, enum: ['fast', 'slow'] },
  },
  required: ['host'],
};

describe('parameterErrors', () => {
  it('says what the service checker says, field by field', () => {
    const check = createChecker();
    check.string('p.host', 'much-too-long', { max: 8 });
    check.int('p.count', 11, { min: 0, max: 10, optional: true });
    check.bool('p.on', 'yes');
    check.oneOf('p.mode', 'medium', ['fast', 'slow']);
    expect(parameterErrors(schema, { host: 'much-too-long', count: 11, on: 'yes', mode: 'medium' }, 'p.')).toEqual(check.errors);
  });

  it('requires what is required, accepts what fits and leaves unknown parameters alone', () => {
    expect(parameterErrors(schema, {})).toEqual([{ field: 'host', message: 'is required' }]);
    expect(parameterErrors(schema, { host: ' ' })).toEqual([{ field: 'host', message: 'must not be empty' }]);
    expect(parameterErrors(schema, { host: 'hv-01', count: 3, on: false, mode: 'fast', other: [1] })).toEqual([]);
    expect(parameterErrors(schema, { host: 'hv-01', count: 2.5 })).toEqual([{ field: 'count', message: 'must be an integer from 0 to 10, got 2.5' }]);
  });
});
