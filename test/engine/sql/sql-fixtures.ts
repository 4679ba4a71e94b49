import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionDecoder } from '../../../src/engine/decoder/function-decoder.js';
import { Model } from '../../../src/engine/generate/model.js';
import { CHAT_TOKENS, DEFAULT_CHAT_TEMPLATE } from '../../../src/engine/prompts/chat-format.js';
import { vocabularyFromBytes } from '../../../src/grammar/vocab/token-vocabulary.js';

/**
 * Databases and models for the SQL backend's tests.
 *
 * - MUSIC_STATEMENTS: a small database (two tables, a view, a foreign key), built in memory or written
 *   to a real SQLite file with sql.js (writeDatabaseFile), so that the read-only guarantees can be
 *   checked on a file (hash before and after).
 * - answerModel: a byte-level toy model (token 0 = EOS, 1 + b = byte b) that "knows" a few answers:
 *   each answer has a weight, and the next byte is drawn from the answers the text so far is a prefix
 *   of (EOS when it equals one). It is the exact mixture of those strings, so what a constraint or the
 *   execution check changes is predictable.
 */
export const MUSIC_STATEMENTS: readonly string[] = [
  'CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT, age INTEGER)',
  'CREATE TABLE concert (concert_id INTEGER PRIMARY KEY, title TEXT, year INTEGER, singer_id INTEGER REFERENCES singer(singer_id))',
  'CREATE VIEW old_singers AS SELECT name, age FROM singer WHERE age > 40',
  "INSERT INTO singer VALUES (1, 'Ada', 'France', 52), (2, 'Bo', 'Sweden', 31), (3, 'Cy', 'France', 45)",
  "INSERT INTO concert VALUES (1, 'Spring', 2014, 1), (2, 'Summer', 2015, 1), (3, 'Autumn', 2015, 2)",
];

/** Writes MUSIC_STATEMENTS as a SQLite file into a fresh temporary folder. */
export async function writeDatabaseFile(): Promise<{ path: string; dir: string; cleanup: () => void }> {
  const init = createRequire(import.meta.url)('sql.js') as (config: object) => Promise<{
    Database: new () => { run(sql: string): void; export(): Uint8Array; close(): void };
  }>;
  const SQL = await init({ useOldExtensionFunctions: false });
  const db = new SQL.Database();
  for (const statement of MUSIC_STATEMENTS) db.run(statement);
  const bytes = db.export();
  db.close();
  const dir = mkdtempSync(join(tmpdir(), 'formwork-sql-'));
  const path = join(dir, 'music.sqlite');
  writeFileSync(path, bytes);
  return { path, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * A model that writes one of `answers` (weights relative), as described above. The answer starts after
 * the prompt's last `<|assistant|>`; `prompts` collects the prompt texts the model was given.
 */
export function answerModel(answers: readonly { readonly text: string; readonly weight: number }[], options: { maxLength?: number } = {}): {
  model: Model;
  prompts: string[];
} {
  const tokens = [new Uint8Array(0), ...Array.from({ length: 256 }, (_, b) => Uint8Array.of(b))];
  const vocabulary = vocabularyFromBytes(tokens, { eosIds: [0] });
  const encoded = answers.map((a) => ({ bytes: new TextEncoder().encode(a.text), weight: a.weight }));
  const marker = [...new TextEncoder().encode(CHAT_TOKENS.assistant)];
  const prompts: string[] = [];
  const decoder = new FunctionDecoder(
    (prefix) => {
      const bytes = prefix.map((t) => t - 1);
      let start = -1;
      for (let i = bytes.length - marker.length; i >= 0 && start < 0; i--) if (marker.every((m, k) => bytes[i + k] === m)) start = i + marker.length;
      if (start === bytes.length) prompts.push(new TextDecoder().decode(Uint8Array.from(bytes)));
      const written = bytes.slice(start);
      const logits = new Float64Array(257).fill(-30);
      for (const answer of encoded) {
        if (written.length > answer.bytes.length || written.some((b, i) => answer.bytes[i] !== b)) continue;
        const next = written.length === answer.bytes.length ? 0 : 1 + answer.bytes[written.length];
        logits[next] = Math.log(Math.exp(logits[next]) + answer.weight);
      }
      return logits;
    },
    { vocabSize: 257, eosIds: [0], maxLength: options.maxLength ?? 1 << 16 },
  );
  return { model: Model.fromParts({ decoder, vocabulary, chatTemplate: DEFAULT_CHAT_TEMPLATE, name: 'answers' }), prompts };
}
