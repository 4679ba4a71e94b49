/**
 * The project's own JSON corpus for the grammar benchmark (bench/grammar.ts): realistic documents of
 * the kinds constrained generation produces (API responses, catalogs, GeoJSON, logs, configuration,
 * multilingual comment threads, tool calls, numeric tables, deep trees), written compact, with 2 or 4
 * spaces of indentation, or in Python's json.dumps style (", " and ": "). Deterministic (seeded).
 *
 * Regenerate: npx tsx bench/grammar-corpus.ts   (writes bench/corpus/json-documents.json)
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from './seeded-random.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const FIRST = ['Ana', 'Bjørn', 'Chen', 'Dmitri', 'Élodie', 'Farah', 'Gustavo', 'Hiroshi', 'Ines', 'Jamal', 'Katarzyna', 'Liam', 'Mei', 'Nour', 'Olu', 'Priya', 'Quentin', 'Rosa', 'Søren', 'Tomás', 'Uma', 'Valentina', 'Wei', 'Yusuf', 'Zoë'];
const LAST = ['García', 'Müller', 'Nakamura', 'Okafor', 'Petrov', 'Smith', 'Nguyễn', 'Kowalski', 'Haddad', 'Silva', 'Johansson', 'Rossi', 'Kim', 'Dubois', 'Öztürk'];
const CITIES = ['Lisbon', 'São Paulo', 'Zürich', 'Kraków', 'Reykjavík', '東京', 'Montréal', 'Cairo', 'Nairobi', 'Seoul', 'Chicago', 'Mumbai', 'Oslo', 'Lima'];
const WORDS = ['fast', 'reliable', 'compact', 'wireless', 'organic', 'premium', 'vintage', 'smart', 'portable', 'durable', 'ergonomic', 'recycled', 'solar', 'modular'];
const NOUNS = ['lamp', 'kettle', 'backpack', 'keyboard', 'headphones', 'bicycle', 'tent', 'blender', 'monitor', 'chair', 'notebook', 'camera', 'drone', 'watch'];
const SENTENCES = [
  'Works exactly as described, would buy again.',
  'Shipping took longer than expected — but support was helpful.',
  'Das Produkt ist gut verarbeitet und funktioniert einwandfrei.',
  'Très bon rapport qualité/prix, je recommande !',
  'とても使いやすいです。また購入したいと思います。',
  '质量很好，物流也很快。',
  'Battery life is "ok" at best; expect ~6h with Wi-Fi on.',
  'Path on Windows: C:\\Users\\me\\Downloads\\manual.pdf',
  'Great value 👍 arrived in 2 days 🚚',
  'Line one\nLine two\ttabbed',
  'Отличный товар, всем советую.',
  'El color es un poco diferente al de la foto.',
  'Use the <config> tag & set "debug": true for verbose logs.',
];
const LEVELS = ['DEBUG', 'INFO', 'INFO', 'INFO', 'WARN', 'ERROR'];
const SERVICES = ['auth', 'billing', 'search', 'gateway', 'scheduler', 'notifier'];

function isoDate(r: SeededRandom): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `2024-${pad(r.int(1, 12))}-${pad(r.int(1, 28))}T${pad(r.int(0, 23))}:${pad(r.int(0, 59))}:${pad(r.int(0, 59))}.${String(r.int(0, 999)).padStart(3, '0')}Z`;
}

function person(r: SeededRandom): Json {
  const first = r.pick(FIRST);
  const last = r.pick(LAST);
  return {
    id: r.int(1000, 99999),
    name: `${first} ${last}`,
    email: `${first.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}.${r.int(1, 99)}@example.com`,
    age: r.int(18, 90),
    active: r.chance(0.8),
    address: { street: `${r.int(1, 999)} ${r.pick(['Main St', 'Rua Augusta', 'Bahnhofstraße', 'Rue de Rivoli'])}`, city: r.pick(CITIES), zip: String(r.int(10000, 99999)) },
    tags: Array.from({ length: r.int(0, 4) }, () => r.pick(['admin', 'beta', 'vip', 'new', 'verified'])),
    score: r.float(0, 100, 2),
    manager: r.chance(0.3) ? null : r.int(1, 500),
  };
}

function product(r: SeededRandom): Json {
  return {
    sku: `${r.pick(['AX', 'BQ', 'CZ'])}-${r.int(100000, 999999)}`,
    title: `${r.pick(WORDS)} ${r.pick(WORDS)} ${r.pick(NOUNS)}`,
    price: { amount: r.float(1, 2500, 2), currency: r.pick(['EUR', 'USD', 'JPY', 'BRL']) },
    inStock: r.chance(0.7),
    rating: r.float(1, 5, 1),
    dimensions: { w: r.float(1, 120, 1), h: r.float(1, 120, 1), d: r.float(0.5, 80, 1), unit: 'cm' },
    variants: Array.from({ length: r.int(1, 3) }, () => ({ color: r.pick(['black', 'white', 'red', 'olive']), stock: r.int(0, 500) })),
    reviews: Array.from({ length: r.int(0, 2) }, () => ({ user: r.pick(FIRST), stars: r.int(1, 5), text: r.pick(SENTENCES) })),
  };
}

function geojson(r: SeededRandom): Json {
  return {
    type: 'FeatureCollection',
    features: Array.from({ length: r.int(1, 3) }, (_, i) => ({
      type: 'Feature',
      id: i,
      geometry: r.chance(0.5)
        ? { type: 'Point', coordinates: [r.float(-180, 180, 6), r.float(-90, 90, 6)] }
        : { type: 'LineString', coordinates: Array.from({ length: r.int(2, 5) }, () => [r.float(-180, 180, 5), r.float(-90, 90, 5)]) },
      properties: { name: r.pick(CITIES), population: r.int(1000, 30000000), elevation: r.chance(0.2) ? null : r.float(-30, 3000, 1) },
    })),
  };
}

function logs(r: SeededRandom): Json {
  return Array.from({ length: r.int(3, 7) }, () => ({
    ts: isoDate(r),
    level: r.pick(LEVELS),
    service: r.pick(SERVICES),
    latency_ms: r.float(0.1, 1500, 3),
    message: r.pick([
      'request completed',
      'cache miss for key "user:42"',
      'retrying after timeout (attempt 2/5)',
      'connection reset by peer',
      'processed batch of 128 items',
    ]),
    trace: r.chance(0.3) ? { span: r.int(1, 1e9).toString(16), parent: null } : undefined,
  })).map((e) => JSON.parse(JSON.stringify(e)) as Json);
}

function config(r: SeededRandom): Json {
  return {
    version: `${r.int(1, 4)}.${r.int(0, 20)}.${r.int(0, 9)}`,
    server: { host: '0.0.0.0', port: r.pick([80, 443, 8080, 3000]), tls: { enabled: r.chance(0.6), cert: '/etc/ssl/cert.pem', ciphers: ['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'] } },
    database: { url: 'postgres://db.internal:5432/app', pool: { min: r.int(1, 4), max: r.int(8, 64), idleTimeout: r.int(1000, 60000) }, replicas: r.chance(0.5) ? [] : ['db-r1.internal', 'db-r2.internal'] },
    features: { search: r.chance(0.5), darkMode: true, experimental: null, rolloutPercent: r.float(0, 1, 2) },
    limits: { requestsPerMinute: r.int(60, 6000), maxBodyBytes: 1048576, ratio: 1.5e-3 },
  };
}

function thread(r: SeededRandom, depth: number): Json {
  return {
    author: r.pick(FIRST),
    posted: isoDate(r),
    body: r.pick(SENTENCES),
    likes: r.int(0, 5000),
    replies: depth > 0 ? Array.from({ length: r.int(0, 2) }, () => thread(r, depth - 1)) : [],
  };
}

function toolCall(r: SeededRandom): Json {
  const calls: Json[] = [
    { name: 'get_weather', arguments: { location: r.pick(CITIES), unit: r.pick(['celsius', 'fahrenheit']), days: r.int(1, 7) } },
    { name: 'search_flights', arguments: { from: 'LIS', to: r.pick(['NRT', 'GRU', 'JFK']), date: isoDate(r).slice(0, 10), passengers: { adults: r.int(1, 3), children: r.int(0, 2) }, flexible: r.chance(0.5) } },
    { name: 'create_event', arguments: { title: 'Quarterly review', start: isoDate(r), attendees: [person(r)], reminders: [10, 60] } },
  ];
  return r.pick(calls);
}

function table(r: SeededRandom): Json {
  return {
    columns: ['x', 'y', 'z', 'err'],
    rows: Array.from({ length: r.int(3, 6) }, () => [r.float(-1000, 1000, 3), r.int(-50, 50), Number((r.next() * 1e-6).toExponential(3)), r.chance(0.1) ? null : r.float(0, 1, 4)]),
    meta: { units: ['m', 's', 'kg', ''], normalized: false, scale: 6.02e23 },
  };
}

function tree(r: SeededRandom, depth: number): Json {
  if (depth === 0) return r.pick([r.int(0, 100), r.pick(NOUNS), true, null]);
  return { node: r.pick(NOUNS), weight: r.float(0, 1, 3), children: Array.from({ length: r.int(1, 2) }, () => tree(r, depth - 1)) };
}

function pythonDumps(value: Json): string {
  // json.dumps default: ", " and ": " separators, everything on one line (non-ASCII kept for realism).
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonDumps).join(', ')}]`;
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonDumps(v)}`).join(', ')}}`;
}

export function generateJsonCorpus(seed = 20240607, documents = 64): string[] {
  const r = new SeededRandom(seed);
  const kinds = [
    () => person(r),
    () => product(r),
    () => geojson(r),
    () => logs(r),
    () => config(r),
    () => thread(r, 3),
    () => toolCall(r),
    () => table(r),
    () => tree(r, r.int(4, 7)),
    () => ({ users: Array.from({ length: r.int(2, 4) }, () => person(r)), page: r.int(1, 20), next: r.chance(0.5) ? null : `/api/users?page=${r.int(2, 21)}` }),
  ];
  const out: string[] = [];
  for (let i = 0; i < documents; i++) {
    const value = kinds[i % kinds.length]();
    const style = r.int(0, 3);
    out.push(style === 0 ? JSON.stringify(value) : style === 1 ? JSON.stringify(value, null, 2) : style === 2 ? JSON.stringify(value, null, 4) : pythonDumps(value));
  }
  return out;
}

export const corpusPath = join(dirname(fileURLToPath(import.meta.url)), 'corpus', 'json-documents.json');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const docs = generateJsonCorpus();
  writeFileSync(corpusPath, JSON.stringify(docs, null, 1) + '\n');
  console.log(`wrote ${docs.length} documents (${docs.reduce((n, d) => n + d.length, 0)} characters) to ${corpusPath}`);
}
