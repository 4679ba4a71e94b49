import {
  ADJECTIVES, CITIES, COLORS, CURRENCIES, DEPARTMENTS, FIRST_NAMES, FOODS, GENRES, INGREDIENTS, JOB_TITLES,
  LANGUAGES, LAST_NAMES, NOUNS, PRIORITIES, PRODUCT_CATEGORIES, SIZES, SKILLS, STATUSES, TAGS, UNITS, WEATHER,
  WEEKDAYS,
} from './lexicon.js';
import type { Rng } from './rng.js';
import type { Gen, Shape } from './shape.js';
import * as V from './values.js';

/**
 * The concepts the corpus's schemas are made of, grouped into domains (person, product, order, ...).
 * A concept is a property idea ("email", "price", "shipping address") with the shapes it may take;
 * `make` draws one of them (with or without bounds, format, nullability), so one domain yields
 * thousands of distinct schemas.
 */
export interface Concept {
  /** Lower-case words; the key is these words in the schema's naming style. */
  readonly words: string;
  /** How prose names the property; `words` when absent. */
  readonly phrase?: string;
  readonly make: (rng: Rng, build: NestedBuilder) => Shape;
}

/** Makes the nested objects of a concept ("customer" in an order is a few person concepts). */
export interface NestedBuilder {
  nested(domain: string, props: readonly [number, number]): Shape;
}

export interface Domain {
  readonly name: string;
  /** Nouns for the record in prompts ("customer", "user profile"). */
  readonly entities: readonly string[];
  readonly concepts: readonly Concept[];
}

// ---- shape builders -------------------------------------------------------------------------------

const str = (gen: Gen<string>, keywords: Record<string, unknown> = {}): Shape => ({ kind: 'string', gen, keywords });

/** Bounds appear in the schema only sometimes; values always stay inside them. */
function int(rng: Rng, lo: number, hi: number, bounds: { minimum?: number; maximum?: number } = {}): Shape {
  const keywords: Record<string, unknown> = {};
  if (bounds.minimum !== undefined && rng.chance(0.5)) keywords.minimum = bounds.minimum;
  if (bounds.maximum !== undefined && rng.chance(0.4)) keywords.maximum = bounds.maximum;
  return { kind: 'integer', gen: (r) => r.int(lo, hi), keywords };
}

function num(rng: Rng, lo: number, hi: number, decimals: number, bounds: { minimum?: number; maximum?: number } = {}): Shape {
  const keywords: Record<string, unknown> = {};
  if (bounds.minimum !== undefined && rng.chance(0.5)) keywords.minimum = bounds.minimum;
  if (bounds.maximum !== undefined && rng.chance(0.4)) keywords.maximum = bounds.maximum;
  return { kind: 'number', gen: (r) => V.decimal(r, lo, hi, decimals), keywords };
}

/** An enum of `k` values drawn from `pool` (all of it when k is absent), typed or not. */
function enumOf(rng: Rng, pool: readonly (string | number)[], k?: [number, number]): Shape {
  const values = k ? rng.sample(pool, rng.int(k[0], Math.min(k[1], pool.length))) : pool.slice();
  return { kind: 'enum', values, typed: rng.chance(0.6) };
}

function arr(rng: Rng, items: Shape, lengths: [number, number], options: { unique?: boolean; bounds?: boolean } = {}): Shape {
  const showBounds = options.bounds ?? rng.chance(0.35);
  const [lo, hi] = lengths;
  return {
    kind: 'array',
    items,
    minItems: showBounds && rng.chance(0.7) ? lo : undefined,
    maxItems: showBounds && rng.chance(0.5) ? hi : undefined,
    unique: options.unique === true && rng.chance(0.5),
    lengths,
  };
}

const bool = (): Shape => ({ kind: 'boolean' });

/** Wraps a shape in `[T, "null"]` with probability p. */
const maybeNull = (rng: Rng, shape: Shape, p = 0.15): Shape => (rng.chance(p) ? { kind: 'nullable', inner: shape } : shape);

const fmt = (rng: Rng, format: string, p = 0.6): Record<string, unknown> => (rng.chance(p) ? { format } : {});

const fullName: Gen<string> = (_r, p) => `${p.first} ${p.last}`;
const c = (words: string, make: Concept['make'], phrase?: string): Concept => (phrase === undefined ? { words, make } : { words, make, phrase });

// ---- concepts --------------------------------------------------------------------------------------

const name = c('name', (r) => maybeNull(r, str(fullName, r.chance(0.2) ? { minLength: 1 } : {}), 0.05));
const firstName = c('first name', () => str((_r, p) => p.first));
const lastName = c('last name', () => str((_r, p) => p.last));
const age = c('age', (r) => int(r, 18, 85, { minimum: 0, maximum: 150 }));
const email = c('email', (r) => maybeNull(r, str(V.email, fmt(r, 'email')), 0.1), 'email address');
const phone = c('phone', (r) => maybeNull(r, str(V.phone), 0.2), 'phone number');
const birthDate = c('birth date', (r) => str((rr) => V.date(rr, 1950, 2006), fmt(r, 'date', 0.8)), 'date of birth');
const city = c('city', () => str((_r, p) => p.city));
const country = c('country', () => str((_r, p) => p.country));
const countryCode = c('country code', (r) => str((_r, p) => p.countryCode, r.chance(0.5) ? { pattern: '^[A-Z]{2}$' } : { minLength: 2, maxLength: 2 }));
const street = c('street', () => str(V.street), 'street address');
const postalCode = c('postal code', () => str(V.postalCode), 'postal code');
const company = c('company', () => str((_r, p) => p.company), 'company name');
const jobTitle = c('job title', () => str((r) => r.pick(JOB_TITLES)));
const website = c('website', (r) => str(V.url, fmt(r, 'uri')));
const isActive = c('is active', () => bool(), 'active');
const username = c('username', (r) => str(V.username, r.chance(0.3) ? { minLength: 3, maxLength: 30 } : {}));
const bio = c('bio', () => str(V.sentence), 'short bio');
const skills = c('skills', (r) => arr(r, r.chance(0.5) ? str((rr) => rr.pick(SKILLS)) : enumOf(r, SKILLS, [4, 8]), [1, 4], { unique: true }));
const languages = c('languages', (r) => arr(r, str((rr) => rr.pick(LANGUAGES)), [1, 3], { unique: true }), 'spoken languages');
const tags = c('tags', (r) => arr(r, r.chance(0.6) ? str((rr) => rr.pick(TAGS)) : enumOf(r, TAGS, [3, 6]), [0, 4], { unique: true }));
const id = c('id', (r) => (r.chance(0.7) ? int(r, 1, 99999, { minimum: 1 }) : str(V.uuid, fmt(r, 'uuid', 0.7))));
const createdAt = c('created at', (r) => str(V.dateTime, fmt(r, 'date-time', 0.8)), 'creation time');
const updatedAt = c('updated at', (r) => maybeNull(r, str(V.dateTime, fmt(r, 'date-time', 0.8)), 0.3), 'last update time');
const status = c('status', (r) => enumOf(r, STATUSES, [2, 5]));
const priority = c('priority', (r) => enumOf(r, PRIORITIES));
const notes = c('notes', (r) => maybeNull(r, str(V.sentence), 0.4));
const description = c('description', (r) => str(V.sentence, r.chance(0.2) ? { maxLength: 200 } : {}));
const price = c('price', (r) => num(r, 1, 2500, 2, { minimum: 0 }));
const currency = c('currency', (r) => (r.chance(0.6) ? enumOf(r, CURRENCIES, [3, 6]) : str((rr) => rr.pick(CURRENCIES), { pattern: '^[A-Z]{3}$' })));
const rating = c('rating', (r) => (r.chance(0.5) ? int(r, 1, 5, { minimum: 1, maximum: 5 }) : num(r, 0, 5, 1, { minimum: 0, maximum: 5 })));
const date = c('date', (r) => str((rr) => V.date(rr, 2000, 2026), fmt(r, 'date', 0.8)));
const title = c('title', (r) => str((rr) => V.bookTitle(rr), r.chance(0.2) ? { minLength: 1 } : {}));
const year = c('year', (r) => int(r, 1950, 2026, { minimum: 1800, maximum: 2100 }));
const color = c('color', (r) => (r.chance(0.7) ? enumOf(r, COLORS, [3, 6]) : str((rr) => rr.pick(COLORS))));
const latitude = c('latitude', (r) => num(r, -60, 70, 4, { minimum: -90, maximum: 90 }));
const longitude = c('longitude', (r) => num(r, -170, 170, 4, { minimum: -180, maximum: 180 }));
const address = c('address', (_r, b) => b.nested('address', [2, 5]));
const durationMinutes = c('duration minutes', (r) => int(r, 5, 240, { minimum: 0 }), 'duration in minutes');
const genre = c('genre', (r) => enumOf(r, GENRES, [3, 6]));
const language = c('language', (r) => (r.chance(0.5) ? enumOf(r, LANGUAGES, [3, 6]) : str((rr) => rr.pick(LANGUAGES))));

export const DOMAINS: readonly Domain[] = [
  {
    name: 'person',
    entities: ['person', 'contact', 'customer', 'user profile', 'member'],
    concepts: [id, name, firstName, lastName, age, email, phone, birthDate, city, country, jobTitle, company, website, isActive, username, bio, skills, languages, address, tags],
  },
  {
    name: 'address',
    entities: ['address', 'location', 'postal address'],
    concepts: [street, city, postalCode, country, countryCode, latitude, longitude],
  },
  {
    name: 'product',
    entities: ['product', 'catalog item', 'store item', 'listing'],
    concepts: [
      id,
      c('sku', (r) => str((rr) => `${'ABCDEFGHJK'[rr.int(0, 9)]}${'LMNPQRSTUV'[rr.int(0, 9)]}${'WXYZABCDEF'[rr.int(0, 9)]}-${rr.int(1000, 9999)}`, r.chance(0.5) ? { pattern: '^[A-Z]{3}-[0-9]{4}$' } : {}), 'SKU'),
      c('name', () => str(V.productName), 'product name'),
      price, currency,
      c('in stock', () => bool()),
      c('stock', (r) => int(r, 0, 500, { minimum: 0 }), 'units in stock'),
      c('category', (r) => enumOf(r, PRODUCT_CATEGORIES, [3, 7])),
      tags, rating, color,
      c('size', (r) => enumOf(r, SIZES)),
      c('weight kg', (r) => num(r, 0.1, 40, 2, { minimum: 0 }), 'weight in kg'),
      description,
      c('release date', (r) => str((rr) => V.date(rr, 2010, 2026), fmt(r, 'date', 0.8))),
      c('dimensions', (r) => ({
        kind: 'object', closed: r.chance(0.3), props: [
          { key: 'width', phrase: 'width', shape: num(r, 1, 200, 1, { minimum: 0 }), required: true },
          { key: 'height', phrase: 'height', shape: num(r, 1, 200, 1, { minimum: 0 }), required: true },
          { key: 'depth', phrase: 'depth', shape: num(r, 1, 200, 1, { minimum: 0 }), required: r.chance(0.5) },
        ],
      })),
    ],
  },
  {
    name: 'order',
    entities: ['order', 'purchase', 'sales order'],
    concepts: [
      c('order id', (r) => (r.chance(0.5) ? str((rr) => `ORD-${rr.int(100000, 999999)}`, r.chance(0.5) ? { pattern: '^ORD-[0-9]{6}$' } : {}) : int(r, 1000, 999999, { minimum: 1 }))),
      c('customer', (_r, b) => b.nested('person', [2, 4])),
      c('items', (r) => arr(r, {
        kind: 'object', closed: r.chance(0.3), props: [
          { key: 'product', phrase: 'product', shape: str(V.productName), required: true },
          { key: 'quantity', phrase: 'quantity', shape: int(r, 1, 10, { minimum: 1 }), required: true },
          { key: r.pick(['price', 'unit_price', 'unitPrice']), phrase: 'unit price', shape: num(r, 1, 900, 2, { minimum: 0 }), required: r.chance(0.7) },
        ],
      }, [1, 3], { bounds: r.chance(0.4) }), 'line items'),
      c('total', (r) => num(r, 5, 5000, 2, { minimum: 0 }), 'order total'),
      currency, status,
      createdAt,
      c('shipping address', (_r, b) => b.nested('address', [2, 4])),
      c('paid', () => bool()),
      notes,
    ],
  },
  {
    name: 'event',
    entities: ['event', 'meeting', 'conference', 'calendar entry'],
    concepts: [
      id, title, date,
      // RFC 3339 full-time (what format "time" means) requires an offset.
      c('start time', (r) => (r.chance(0.6) ? str((rr) => V.time(rr) + rr.pick(['Z', '+01:00', '-05:00']), { format: 'time' }) : str(V.time))),
      c('location', (r, b) => (r.chance(0.6) ? str((_rr, p) => p.city) : b.nested('address', [2, 3]))),
      c('attendees', (r) => arr(r, r.chance(0.5) ? str(fullName) : str(V.email, fmt(r, 'email', 0.5)), [1, 4])),
      c('capacity', (r) => int(r, 10, 500, { minimum: 1 })),
      c('is online', () => bool(), 'online'),
      c('organizer', (_r, b) => b.nested('person', [1, 3])),
      durationMinutes, tags,
    ],
  },
  {
    name: 'book',
    entities: ['book', 'publication', 'novel'],
    concepts: [
      id, title,
      c('author', (r, b) => (r.chance(0.7) ? str(fullName) : b.nested('person', [1, 3]))),
      c('isbn', (r) => str((rr) => `978-${rr.int(0, 9)}-${rr.int(100, 999)}-${rr.int(10000, 99999)}-${rr.int(0, 9)}`, r.chance(0.4) ? { pattern: '^978-[0-9]-[0-9]{3}-[0-9]{5}-[0-9]$' } : {}), 'ISBN'),
      year,
      c('pages', (r) => int(r, 40, 1200, { minimum: 1 }), 'page count'),
      genre, language,
      c('available', () => bool()),
      c('publisher', () => str((_r, p) => p.company)),
      rating,
    ],
  },
  {
    name: 'movie',
    entities: ['movie', 'film'],
    concepts: [
      title,
      c('director', () => str(fullName)),
      year, durationMinutes,
      c('genres', (r) => arr(r, enumOf(r, GENRES, [4, 8]), [1, 3], { unique: true })),
      c('rating', (r) => num(r, 1, 10, 1, { minimum: 0, maximum: 10 })),
      c('cast', (r) => arr(r, str(fullName), [1, 4]), 'cast members'),
      language,
    ],
  },
  {
    name: 'company',
    entities: ['company', 'organization', 'business'],
    concepts: [
      c('name', () => str((_r, p) => p.company), 'company name'),
      c('founded', (r) => int(r, 1900, 2024, { minimum: 1800 }), 'founding year'),
      c('employees', (r) => int(r, 1, 50000, { minimum: 0 }), 'number of employees'),
      c('industry', (r) => enumOf(r, ['software', 'retail', 'finance', 'healthcare', 'energy', 'education', 'logistics', 'media', 'manufacturing'], [3, 6])),
      c('headquarters', (r, b) => (r.chance(0.5) ? str((_rr, p) => `${p.city}, ${p.country}`) : b.nested('address', [2, 4]))),
      website,
      c('public', () => bool(), 'publicly traded'),
      c('ceo', () => str(fullName), 'CEO'),
      email,
    ],
  },
  {
    name: 'employee',
    entities: ['employee', 'staff member', 'worker'],
    concepts: [
      c('employee id', (r) => (r.chance(0.5) ? int(r, 1, 9999, { minimum: 1 }) : str((rr) => `E${rr.int(1000, 9999)}`, r.chance(0.5) ? { pattern: '^E[0-9]{4}$' } : {}))),
      name,
      c('department', (r) => enumOf(r, DEPARTMENTS, [3, 6])),
      jobTitle,
      c('salary', (r) => (r.chance(0.5) ? int(r, 30000, 200000, { minimum: 0 }) : num(r, 30000, 200000, 2, { minimum: 0 }))),
      c('hire date', (r) => str((rr) => V.date(rr, 2000, 2026), fmt(r, 'date', 0.8))),
      c('manager', () => ({ kind: 'nullable', inner: str(fullName) }), 'manager name'),
      skills,
      c('remote', () => bool(), 'works remotely'),
      email,
    ],
  },
  {
    name: 'weather',
    entities: ['weather report', 'forecast', 'weather observation'],
    concepts: [
      city,
      c('temperature', (r) => num(r, -25, 42, 1, { minimum: -100, maximum: 100 }), 'temperature in Celsius'),
      c('condition', (r) => enumOf(r, WEATHER, [3, 8])),
      c('humidity', (r) => int(r, 5, 100, { minimum: 0, maximum: 100 }), 'humidity percent'),
      c('wind speed', (r) => num(r, 0, 80, 1, { minimum: 0 }), 'wind speed in km/h'),
      date,
      c('forecast', (r) => arr(r, {
        kind: 'object', closed: r.chance(0.3), props: [
          { key: 'day', phrase: 'day', shape: enumOf(r, WEEKDAYS), required: true },
          { key: 'high', phrase: 'high', shape: int(r, 10, 40, {}), required: true },
          { key: 'low', phrase: 'low', shape: int(r, -10, 9, {}), required: true },
        ],
      }, [1, 3]), 'daily forecast'),
    ],
  },
  {
    name: 'flight',
    entities: ['flight', 'flight booking', 'itinerary'],
    concepts: [
      c('flight number', (r) => str((rr) => `${'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[rr.int(0, 25)]}${'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[rr.int(0, 25)]}${rr.int(100, 9999)}`, r.chance(0.5) ? { pattern: '^[A-Z]{2}[0-9]{3,4}$' } : {})),
      c('origin', (r) => str((rr) => rr.pick(['JFK', 'LHR', 'CDG', 'FRA', 'NRT', 'SFO', 'LAX', 'ORD', 'DXB', 'SIN', 'AMS', 'MAD', 'SYD', 'GRU']), r.chance(0.5) ? { pattern: '^[A-Z]{3}$' } : {}), 'origin airport'),
      c('destination', (r) => str((rr) => rr.pick(['BOS', 'SEA', 'MUC', 'BCN', 'HND', 'ICN', 'YYZ', 'MEX', 'IST', 'DEL', 'BKK', 'ZRH', 'CPH', 'LIS']), r.chance(0.5) ? { pattern: '^[A-Z]{3}$' } : {}), 'destination airport'),
      c('departure', (r) => str(V.dateTime, fmt(r, 'date-time', 0.8)), 'departure time'),
      c('arrival', (r) => str(V.dateTime, fmt(r, 'date-time', 0.8)), 'arrival time'),
      c('seats available', (r) => int(r, 0, 300, { minimum: 0 })),
      price,
      c('airline', () => str((_r, p) => `${p.company.split(' ')[0]} Air`)),
      c('passengers', (r, b) => arr(r, b.nested('person', [1, 3]), [1, 3])),
    ],
  },
  {
    name: 'recipe',
    entities: ['recipe', 'dish'],
    concepts: [
      c('name', () => str((r) => `${V.capitalize(r.pick(ADJECTIVES))} ${r.pick(FOODS)}`), 'dish name'),
      c('servings', (r) => int(r, 1, 12, { minimum: 1 })),
      c('prep time minutes', (r) => int(r, 5, 120, { minimum: 0 }), 'preparation time in minutes'),
      c('ingredients', (r) => arr(r, r.chance(0.5) ? str((rr) => rr.pick(INGREDIENTS)) : {
        kind: 'object', closed: r.chance(0.3), props: [
          { key: 'name', phrase: 'name', shape: str((rr) => rr.pick(INGREDIENTS)), required: true },
          { key: 'amount', phrase: 'amount', shape: num(r, 0.5, 500, 1, { minimum: 0 }), required: true },
          { key: 'unit', phrase: 'unit', shape: enumOf(r, UNITS), required: r.chance(0.6) },
        ],
      }, [2, 4])),
      c('steps', (r) => arr(r, str(V.sentence), [1, 3]), 'preparation steps'),
      c('vegetarian', () => bool()),
      c('difficulty', (r) => enumOf(r, ['easy', 'medium', 'hard'])),
    ],
  },
  {
    name: 'task',
    entities: ['task', 'todo item', 'ticket', 'issue'],
    concepts: [
      id,
      c('title', () => str(V.sentence)),
      c('done', () => bool(), 'completed'),
      priority,
      c('due date', (r) => maybeNull(r, str((rr) => V.date(rr, 2024, 2027), fmt(r, 'date', 0.8)), 0.3)),
      c('assignee', (r) => ({ kind: 'nullable', inner: r.chance(0.5) ? str(fullName) : str(V.username) })),
      tags,
      c('estimate hours', (r) => num(r, 0.5, 40, 1, { minimum: 0 }), 'estimated hours'),
      status, createdAt,
    ],
  },
  {
    name: 'invoice',
    entities: ['invoice', 'bill'],
    concepts: [
      c('invoice number', (r) => str((rr) => `INV-${rr.int(2020, 2026)}-${rr.int(1000, 9999)}`, r.chance(0.5) ? { pattern: '^INV-[0-9]{4}-[0-9]{4}$' } : {})),
      date,
      c('due date', (r) => str((rr) => V.date(rr, 2024, 2027), fmt(r, 'date', 0.8))),
      c('customer', (_r, b) => b.nested('person', [1, 3])),
      c('lines', (r) => arr(r, {
        kind: 'object', closed: r.chance(0.3), props: [
          { key: 'description', phrase: 'description', shape: str(V.productName), required: true },
          { key: 'quantity', phrase: 'quantity', shape: int(r, 1, 50, { minimum: 1 }), required: true },
          { key: 'amount', phrase: 'amount', shape: num(r, 1, 2000, 2, { minimum: 0 }), required: true },
        ],
      }, [1, 3]), 'invoice lines'),
      c('tax', (r) => num(r, 0, 500, 2, { minimum: 0 }), 'tax amount'),
      c('total', (r) => num(r, 10, 10000, 2, { minimum: 0 })),
      currency,
      c('paid', () => bool()),
    ],
  },
  {
    name: 'review',
    entities: ['review', 'product review', 'customer review'],
    concepts: [
      c('product', () => str(V.productName), 'product name'),
      c('rating', (r) => int(r, 1, 5, { minimum: 1, maximum: 5 }), 'star rating'),
      title,
      c('body', () => str(V.sentence), 'review text'),
      c('verified purchase', () => bool()),
      c('reviewer', () => str(V.username), 'reviewer name'),
      date,
      c('sentiment', (r) => enumOf(r, ['positive', 'negative', 'neutral', 'mixed'], [3, 4])),
    ],
  },
  {
    name: 'device',
    entities: ['device', 'sensor', 'IoT device'],
    concepts: [
      c('device id', (r) => str(V.uuid, fmt(r, 'uuid', 0.6))),
      c('type', (r) => enumOf(r, ['thermostat', 'camera', 'lock', 'light', 'sensor', 'speaker', 'plug'], [3, 6]), 'device type'),
      c('battery', (r) => int(r, 0, 100, { minimum: 0, maximum: 100 }), 'battery level'),
      c('online', () => bool()),
      c('last seen', (r) => str(V.dateTime, fmt(r, 'date-time', 0.8))),
      c('ip address', (r) => str(V.ipv4, fmt(r, 'ipv4', 0.6)), 'IP address'),
      c('firmware version', (r) => str((rr) => `${rr.int(0, 5)}.${rr.int(0, 20)}.${rr.int(0, 9)}`, r.chance(0.5) ? { pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$' } : {})),
      c('readings', (r) => arr(r, num(r, -10, 100, 1, {}), [1, 5]), 'sensor readings'),
      latitude, longitude,
    ],
  },
  {
    name: 'vehicle',
    entities: ['vehicle', 'car', 'car listing'],
    concepts: [
      c('make', (r) => enumOf(r, ['Toyota', 'Ford', 'Honda', 'Tesla', 'BMW', 'Volkswagen', 'Hyundai', 'Kia', 'Volvo', 'Renault'], [3, 7])),
      c('model', () => str((r) => `${V.capitalize(r.pick(NOUNS))} ${r.pick(['LX', 'GT', 'S', 'Sport', 'Hybrid', '2', 'E'])}`)),
      year,
      c('mileage', (r) => int(r, 0, 250000, { minimum: 0 }), 'mileage in km'),
      color,
      c('electric', () => bool()),
      price,
      c('owners', (r) => int(r, 1, 5, { minimum: 0 }), 'previous owners'),
    ],
  },
  {
    name: 'booking',
    entities: ['hotel booking', 'reservation', 'room booking'],
    concepts: [
      c('guest name', () => str(fullName)),
      c('check in', (r) => str((rr) => V.date(rr, 2024, 2027), fmt(r, 'date', 0.8)), 'check-in date'),
      c('check out', (r) => str((rr) => V.date(rr, 2024, 2027), fmt(r, 'date', 0.8)), 'check-out date'),
      c('room type', (r) => enumOf(r, ['single', 'double', 'twin', 'suite', 'family'], [3, 5])),
      c('guests', (r) => int(r, 1, 6, { minimum: 1, maximum: 10 }), 'number of guests'),
      c('breakfast', () => bool(), 'breakfast included'),
      c('total price', (r) => num(r, 50, 3000, 2, { minimum: 0 })),
      email,
    ],
  },
  {
    name: 'student',
    entities: ['student', 'student record', 'pupil'],
    concepts: [
      c('student id', (r) => int(r, 1000, 99999, { minimum: 1 })),
      name,
      c('grade', (r) => int(r, 1, 12, { minimum: 1, maximum: 12 }), 'grade level'),
      c('gpa', (r) => num(r, 1.5, 4, 2, { minimum: 0, maximum: 4 }), 'GPA'),
      c('courses', (r) => arr(r, str((rr) => rr.pick(['Math', 'Biology', 'History', 'Physics', 'Art', 'Music', 'Chemistry', 'Literature', 'Economics'])), [1, 4], { unique: true })),
      email,
      c('enrolled', () => bool()),
      birthDate,
    ],
  },
  {
    name: 'song',
    entities: ['song', 'track'],
    concepts: [
      title,
      c('artist', () => str(fullName)),
      c('album', () => str(V.bookTitle)),
      c('duration seconds', (r) => int(r, 90, 480, { minimum: 1 }), 'duration in seconds'),
      genre,
      c('release year', (r) => int(r, 1960, 2026, { minimum: 1900 })),
      c('explicit', () => bool()),
      c('plays', (r) => int(r, 0, 5000000, { minimum: 0 }), 'play count'),
    ],
  },
  {
    name: 'transaction',
    entities: ['transaction', 'payment', 'bank transaction'],
    concepts: [
      c('transaction id', (r) => str(V.uuid, fmt(r, 'uuid', 0.6))),
      c('amount', (r) => num(r, 1, 5000, 2, { minimum: 0 })),
      currency,
      c('timestamp', (r) => str(V.dateTime, fmt(r, 'date-time', 0.8))),
      c('type', (r) => enumOf(r, ['debit', 'credit', 'refund', 'transfer'], [2, 4]), 'transaction type'),
      c('merchant', () => str((_r, p) => p.company)),
      c('category', (r) => enumOf(r, ['groceries', 'travel', 'dining', 'utilities', 'rent', 'shopping', 'health'], [3, 7])),
      c('pending', () => bool()),
    ],
  },
  {
    name: 'job',
    entities: ['job posting', 'job listing', 'vacancy'],
    concepts: [
      c('title', () => str((r) => r.pick(JOB_TITLES)), 'job title'),
      company,
      c('location', () => str((_r, p) => p.city)),
      c('salary min', (r) => int(r, 30000, 80000, { minimum: 0 }), 'minimum salary'),
      c('salary max', (r) => int(r, 80000, 220000, { minimum: 0 }), 'maximum salary'),
      c('remote', () => bool(), 'remote allowed'),
      c('employment type', (r) => enumOf(r, ['full-time', 'part-time', 'contract', 'internship'], [2, 4])),
      c('requirements', (r) => arr(r, str((rr) => rr.pick(SKILLS)), [1, 4], { unique: true })),
      c('posted', (r) => str((rr) => V.date(rr, 2023, 2026), fmt(r, 'date', 0.8)), 'posting date'),
    ],
  },
  {
    name: 'account',
    entities: ['user account', 'account', 'login account'],
    concepts: [
      id, username, email, createdAt,
      c('roles', (r) => arr(r, enumOf(r, ['admin', 'editor', 'viewer', 'owner', 'guest'], [3, 5]), [1, 2], { unique: true })),
      c('settings', (r) => ({
        kind: 'object', closed: r.chance(0.3), props: [
          { key: 'theme', phrase: 'theme', shape: enumOf(r, ['light', 'dark', 'system']), required: r.chance(0.7) },
          { key: 'notifications', phrase: 'notifications', shape: bool(), required: r.chance(0.7) },
          { key: 'language', phrase: 'language', shape: str((rr) => rr.pick(['en', 'fr', 'de', 'es', 'ja', 'pt'])), required: r.chance(0.5) },
        ],
      }), 'account settings'),
      c('last login', (r) => ({ kind: 'nullable', inner: str(V.dateTime, fmt(r, 'date-time', 0.8)) })),
      updatedAt,
      c('verified', () => bool()),
    ],
  },
];

/** Domains never used for training JSON pairs: the held-out-domain evaluation draws from these. */
export const HELD_OUT_DOMAINS: ReadonlySet<string> = new Set(['vehicle', 'booking', 'song']);

export function domainByName(name: string): Domain {
  const d = DOMAINS.find((x) => x.name === name);
  if (!d) throw new Error(`no domain ${name}`);
  return d;
}

/** Generic property ideas for shapes with invented keys (teach the model to copy any key). */
export const GENERIC_WORDS = { adjectives: ADJECTIVES, nouns: NOUNS, firstNames: FIRST_NAMES, lastNames: LAST_NAMES, cities: CITIES };
