/**
 * The keys of one open object that no atom names (additionalProperties, patternProperties), so that a
 * repeated one can be refused: declared names have their bit in the object frame's seen set, these
 * have no index. Keys are compared decoded (escapes resolved), as their UTF-8 bytes held in latin1
 * characters, so `"a"` and `"\u0061"` are the same key.
 *
 * A persistent list, newest first: frames share it, adding a key allocates one node, and it grows only
 * with the keys actually written. Lookups are linear, which is fine for the tens of keys a generated
 * object has (a duplicate check costs one comparison per undeclared key already written).
 */
export interface UndeclaredKeys {
  readonly name: string;
  readonly next: UndeclaredKeys | null;
  /** The list's part of a mask key (a rope: each node appends to its successor's). */
  readonly sig: string;
}

export function withUndeclaredKey(keys: UndeclaredKeys | null, name: string): UndeclaredKeys {
  return { name, next: keys, sig: `${keys === null ? '' : keys.sig}${JSON.stringify(name)},` };
}

export function hasUndeclaredKey(keys: UndeclaredKeys | null, name: string): boolean {
  for (let k = keys; k !== null; k = k.next) if (k.name === name) return true;
  return false;
}

/** Some key of the list starts with `prefix` (a key whose text is `prefix` could still repeat it). */
export function undeclaredKeyContinues(keys: UndeclaredKeys | null, prefix: string): boolean {
  for (let k = keys; k !== null; k = k.next) if (k.name.startsWith(prefix)) return true;
  return false;
}

/** The rest of every key of the list that starts with `prefix`, as bytes (the empty rest included). */
export function undeclaredKeyRests(keys: UndeclaredKeys | null, prefix: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let k = keys; k !== null; k = k.next) if (k.name.startsWith(prefix)) out.push(Buffer.from(k.name.slice(prefix.length), 'latin1'));
  return out;
}
