import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { parsePeerEngineName } from '../../../bench/peers/peer-protocol.js';

describe('parsePeerEngineName', () => {
  it('returns an allowed engine name', () => {
    expect(parsePeerEngineName('xgrammar', ['formwork', 'xgrammar', 'transformers-so'])).toBe('xgrammar');
  });

  it('refuses an engine outside the allowed list, naming the choices and where', () => {
    expect(() => parsePeerEngineName('formwork', ['xgrammar', 'transformers-so'], 'bench jsts')).toThrow(
      new InputError('unknown --peer formwork (xgrammar | transformers-so)', { where: 'bench jsts' }),
    );
    expect(() => parsePeerEngineName(undefined, ['xgrammar'])).toThrow('unknown --peer undefined (xgrammar)');
  });
});
