import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What parseCommandArgs returns: flag values by name, and the positional arguments. */
export interface ParsedCommandArgs<O extends Options> {
  readonly values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values'];
  readonly positionals: string[];
}

/** util.parseArgs with strict checking, its errors turned into usage errors naming the command. */
export function parseCommandArgs<O extends Options>(command: string, argv: readonly string[], options: O): ParsedCommandArgs<O> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new InputError(`${(error as Error).message.replace(/^.*?: /, '')} (see formwork ${command} --help)`, { where: `formwork ${command}` });
  }
}

/** A flag value that must be an integer in [min, max]. */
export function intFlag(command: string, name: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new InputError(`--${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`}, got ${JSON.stringify(value)}`, {
      where: `formwork ${command}`,
    });
  }
  return n;
}

/** A flag value that must be a finite number > min (or >= min when `inclusive`). */
export function numberFlag(command: string, name: string, value: string | undefined, min: number, inclusive = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (inclusive ? n < min : n <= min)) {
    throw new InputError(`--${name} must be a number ${inclusive ? '>=' : '>'} ${min}, got ${JSON.stringify(value)}`, { where: `formwork ${command}` });
  }
  return n;
}

/** A flag value that must be one of `choices`. */
export function choiceFlag<C extends string>(command: string, name: string, value: string | undefined, choices: readonly C[]): C | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new InputError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`, { where: `formwork ${command}` });
  }
  return value as C;
}
