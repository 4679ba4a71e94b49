import type { Rng } from './rng.js';

/**
 * The whitespace styles JSON appears in: compact (JSON.stringify), Python's json.dumps (", " and
 * ": "), and indented. The model sees all of them so that none is out of distribution for the
 * constrained decoder, which accepts flexible whitespace.
 */
export type JsonStyle = 'compact' | 'python' | 'indent2' | 'indent4';

export function serialize(value: unknown, style: JsonStyle): string {
  switch (style) {
    case 'compact':
      return JSON.stringify(value);
    case 'indent2':
      return JSON.stringify(value, null, 2);
    case 'indent4':
      return JSON.stringify(value, null, 4);
    case 'python':
      return pythonDumps(value);
  }
}

/** Python's `json.dumps(value)` for the values the corpus makes (ASCII text, finite numbers). */
function pythonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}: ${pythonDumps(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** Answer styles: mostly one line (cheap in context), sometimes indented. */
export function drawAnswerStyle(rng: Rng): JsonStyle {
  return rng.weighted([[60, 'compact'], [30, 'python'], [8, 'indent2'], [2, 'indent4']]);
}
