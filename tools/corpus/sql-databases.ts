import {
  CITIES, COMPANY_WORDS, DEPARTMENTS, FIRST_NAMES, GENRES, JOB_TITLES, LAST_NAMES, PRODUCT_CATEGORIES, PRODUCT_NOUNS,
} from './lexicon.js';
import type { Rng } from './rng.js';
import * as V from './values.js';

/**
 * The sample SQLite databases the corpus asks questions about. formwork defines them itself (never
 * Spider's databases): each table lists its columns with a role that tells the question templates
 * what a column can be used for (a label to show, a category to group by, a measure to aggregate, a
 * date to compare, a key to join on), and a generator for its rows.
 */
export type ColumnRole = 'id' | 'fk' | 'label' | 'category' | 'measure' | 'date' | 'flag';

export interface Column {
  readonly name: string;
  readonly type: 'INTEGER' | 'REAL' | 'TEXT';
  readonly role: ColumnRole;
  /** How questions name the column ("price", "date of birth"). */
  readonly phrase: string;
  /** For 'fk': the referenced table (its id column). */
  readonly references?: string;
  readonly gen?: (rng: Rng) => string | number;
}

export interface Table {
  readonly name: string;
  /** Singular and plural nouns for a row ("customer", "customers"). */
  readonly noun: string;
  readonly nouns: string;
  readonly columns: readonly Column[];
}

export interface Database {
  readonly name: string;
  readonly tables: readonly Table[];
}

const personName = (r: Rng): string => `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
const cityName = (r: Rng): string => r.pick(CITIES.slice(0, 30))[0];

const id = (): Column => ({ name: 'id', type: 'INTEGER', role: 'id', phrase: 'id' });
const fk = (name: string, table: string, phrase: string): Column => ({ name, type: 'INTEGER', role: 'fk', phrase, references: table });
const label = (name: string, phrase: string, gen: (r: Rng) => string): Column => ({ name, type: 'TEXT', role: 'label', phrase, gen });
const category = (name: string, phrase: string, values: readonly string[]): Column => ({ name, type: 'TEXT', role: 'category', phrase, gen: (r) => r.pick(values) });
const measure = (name: string, phrase: string, type: 'INTEGER' | 'REAL', lo: number, hi: number): Column => ({
  name, type, role: 'measure', phrase, gen: (r) => (type === 'INTEGER' ? r.int(lo, hi) : V.decimal(r, lo, hi, 2)),
});
const dateCol = (name: string, phrase: string, from: number, to: number): Column => ({ name, type: 'TEXT', role: 'date', phrase, gen: (r) => V.date(r, from, to) });
const flag = (name: string, phrase: string): Column => ({ name, type: 'INTEGER', role: 'flag', phrase, gen: (r) => (r.chance(0.5) ? 1 : 0) });

export const DATABASES: readonly Database[] = [
  {
    name: 'shop',
    tables: [
      { name: 'customers', noun: 'customer', nouns: 'customers', columns: [id(), label('name', 'name', personName), label('email', 'email', (r) => `${r.pick(FIRST_NAMES).toLowerCase()}${r.int(1, 99)}@example.com`), category('city', 'city', CITIES.slice(0, 12).map((c) => c[0])), dateCol('joined', 'join date', 2015, 2025)] },
      { name: 'products', noun: 'product', nouns: 'products', columns: [id(), label('name', 'name', (r) => `${r.pick(COMPANY_WORDS)} ${r.pick(PRODUCT_NOUNS)}`), category('category', 'category', PRODUCT_CATEGORIES.slice(0, 6)), measure('price', 'price', 'REAL', 2, 900), measure('stock', 'stock', 'INTEGER', 0, 300)] },
      { name: 'orders', noun: 'order', nouns: 'orders', columns: [id(), fk('customer_id', 'customers', 'customer'), dateCol('order_date', 'order date', 2022, 2025), category('status', 'status', ['pending', 'shipped', 'delivered', 'cancelled']), measure('total', 'total', 'REAL', 5, 2500)] },
      { name: 'order_items', noun: 'order item', nouns: 'order items', columns: [id(), fk('order_id', 'orders', 'order'), fk('product_id', 'products', 'product'), measure('quantity', 'quantity', 'INTEGER', 1, 10)] },
    ],
  },
  {
    name: 'school',
    tables: [
      { name: 'students', noun: 'student', nouns: 'students', columns: [id(), label('name', 'name', personName), measure('age', 'age', 'INTEGER', 17, 30), category('major', 'major', ['Math', 'Biology', 'History', 'Physics', 'Art', 'Economics']), category('hometown', 'hometown', CITIES.slice(0, 10).map((c) => c[0]))] },
      { name: 'teachers', noun: 'teacher', nouns: 'teachers', columns: [id(), label('name', 'name', personName), category('subject', 'subject', ['Math', 'Biology', 'History', 'Physics', 'Art', 'Economics']), measure('salary', 'salary', 'INTEGER', 35000, 95000), dateCol('hired', 'hire date', 1995, 2024)] },
      { name: 'courses', noun: 'course', nouns: 'courses', columns: [id(), label('title', 'title', (r) => `${r.pick(['Intro to', 'Advanced', 'Applied', 'Modern'])} ${r.pick(['Algebra', 'Genetics', 'Europe', 'Mechanics', 'Painting', 'Markets'])}`), fk('teacher_id', 'teachers', 'teacher'), measure('credits', 'credits', 'INTEGER', 1, 6)] },
      { name: 'enrollments', noun: 'enrollment', nouns: 'enrollments', columns: [id(), fk('student_id', 'students', 'student'), fk('course_id', 'courses', 'course'), measure('grade', 'grade', 'INTEGER', 40, 100)] },
    ],
  },
  {
    name: 'library',
    tables: [
      { name: 'authors', noun: 'author', nouns: 'authors', columns: [id(), label('name', 'name', personName), category('country', 'country', CITIES.slice(0, 20).map((c) => c[1])), measure('birth_year', 'birth year', 'INTEGER', 1900, 1995)] },
      { name: 'books', noun: 'book', nouns: 'books', columns: [id(), label('title', 'title', V.bookTitle), fk('author_id', 'authors', 'author'), measure('year', 'publication year', 'INTEGER', 1950, 2024), measure('pages', 'number of pages', 'INTEGER', 80, 900), category('genre', 'genre', GENRES.slice(0, 7))] },
      { name: 'members', noun: 'member', nouns: 'members', columns: [id(), label('name', 'name', personName), category('city', 'city', CITIES.slice(10, 20).map((c) => c[0])), dateCol('joined', 'join date', 2010, 2025)] },
      { name: 'loans', noun: 'loan', nouns: 'loans', columns: [id(), fk('book_id', 'books', 'book'), fk('member_id', 'members', 'member'), dateCol('loan_date', 'loan date', 2023, 2025), flag('returned', 'returned')] },
    ],
  },
  {
    name: 'airline',
    tables: [
      { name: 'airlines', noun: 'airline', nouns: 'airlines', columns: [id(), label('name', 'name', (r) => `${r.pick(COMPANY_WORDS)} Airways`), category('country', 'country', CITIES.slice(0, 25).map((c) => c[1])), measure('fleet_size', 'fleet size', 'INTEGER', 5, 400)] },
      { name: 'airports', noun: 'airport', nouns: 'airports', columns: [id(), label('code', 'code', (r) => r.pick(['JFK', 'LHR', 'CDG', 'FRA', 'NRT', 'SFO', 'LAX', 'ORD', 'DXB', 'SIN', 'AMS', 'MAD'])), category('city', 'city', CITIES.slice(0, 15).map((c) => c[0])), measure('elevation', 'elevation', 'INTEGER', 0, 1800)] },
      { name: 'flights', noun: 'flight', nouns: 'flights', columns: [id(), fk('airline_id', 'airlines', 'airline'), fk('origin_id', 'airports', 'origin airport'), fk('destination_id', 'airports', 'destination airport'), dateCol('departure', 'departure date', 2024, 2025), measure('duration', 'duration in minutes', 'INTEGER', 45, 900), measure('price', 'price', 'REAL', 40, 1800)] },
    ],
  },
  {
    name: 'company',
    tables: [
      { name: 'departments', noun: 'department', nouns: 'departments', columns: [id(), category('name', 'name', DEPARTMENTS), measure('budget', 'budget', 'INTEGER', 50000, 5000000), category('location', 'location', CITIES.slice(0, 8).map((c) => c[0]))] },
      { name: 'employees', noun: 'employee', nouns: 'employees', columns: [id(), label('name', 'name', personName), fk('department_id', 'departments', 'department'), category('title', 'job title', JOB_TITLES.slice(0, 8)), measure('salary', 'salary', 'INTEGER', 30000, 180000), dateCol('hire_date', 'hire date', 2005, 2025)] },
      { name: 'projects', noun: 'project', nouns: 'projects', columns: [id(), label('name', 'name', (r) => `Project ${V.capitalize(r.pick(['atlas', 'orion', 'nova', 'delta', 'echo', 'aurora', 'zephyr', 'titan']))}`), fk('department_id', 'departments', 'department'), dateCol('start_date', 'start date', 2018, 2025), measure('budget', 'budget', 'INTEGER', 10000, 900000)] },
    ],
  },
  {
    name: 'music',
    tables: [
      { name: 'artists', noun: 'artist', nouns: 'artists', columns: [id(), label('name', 'name', personName), category('country', 'country', CITIES.slice(0, 20).map((c) => c[1])), measure('formed', 'year formed', 'INTEGER', 1960, 2020)] },
      { name: 'albums', noun: 'album', nouns: 'albums', columns: [id(), label('title', 'title', V.bookTitle), fk('artist_id', 'artists', 'artist'), measure('year', 'release year', 'INTEGER', 1965, 2025), category('genre', 'genre', ['rock', 'pop', 'jazz', 'classical', 'hip hop', 'folk'])] },
      { name: 'songs', noun: 'song', nouns: 'songs', columns: [id(), label('title', 'title', (r) => `${V.capitalize(r.pick(['quiet', 'golden', 'wild', 'late', 'open']))} ${V.capitalize(r.pick(['river', 'night', 'road', 'heart', 'city']))}`), fk('album_id', 'albums', 'album'), measure('duration', 'duration in seconds', 'INTEGER', 120, 420), measure('plays', 'number of plays', 'INTEGER', 0, 900000)] },
    ],
  },
  {
    name: 'clinic',
    tables: [
      { name: 'doctors', noun: 'doctor', nouns: 'doctors', columns: [id(), label('name', 'name', personName), category('specialty', 'specialty', ['cardiology', 'neurology', 'pediatrics', 'oncology', 'dermatology']), measure('experience', 'years of experience', 'INTEGER', 1, 40)] },
      { name: 'patients', noun: 'patient', nouns: 'patients', columns: [id(), label('name', 'name', personName), measure('age', 'age', 'INTEGER', 1, 95), category('city', 'city', CITIES.slice(0, 10).map((c) => c[0])), flag('insured', 'insured')] },
      { name: 'appointments', noun: 'appointment', nouns: 'appointments', columns: [id(), fk('doctor_id', 'doctors', 'doctor'), fk('patient_id', 'patients', 'patient'), dateCol('date', 'date', 2023, 2025), measure('fee', 'fee', 'REAL', 20, 400)] },
    ],
  },
  {
    name: 'league',
    tables: [
      { name: 'teams', noun: 'team', nouns: 'teams', columns: [id(), label('name', 'name', (r) => `${cityName(r)} ${r.pick(['Lions', 'Eagles', 'Rovers', 'United', 'Wolves', 'Sharks'])}`), category('country', 'country', CITIES.slice(0, 12).map((c) => c[1])), measure('founded', 'founding year', 'INTEGER', 1880, 2010)] },
      { name: 'players', noun: 'player', nouns: 'players', columns: [id(), label('name', 'name', personName), fk('team_id', 'teams', 'team'), category('position', 'position', ['goalkeeper', 'defender', 'midfielder', 'forward']), measure('age', 'age', 'INTEGER', 17, 38), measure('goals', 'number of goals', 'INTEGER', 0, 40)] },
      { name: 'matches', noun: 'match', nouns: 'matches', columns: [id(), fk('home_team_id', 'teams', 'home team'), fk('away_team_id', 'teams', 'away team'), dateCol('played', 'match date', 2020, 2025), measure('attendance', 'attendance', 'INTEGER', 500, 80000)] },
    ],
  },
];

/** Databases whose questions appear only in the evaluation split (unseen schemas, as in Spider). */
export const HELD_OUT_DATABASES: ReadonlySet<string> = new Set(['clinic', 'league']);

export function createStatements(db: Database): string[] {
  return db.tables.map((t) => {
    const cols = t.columns.map((c) => `  ${c.name} ${c.type}${c.role === 'id' ? ' PRIMARY KEY' : ''}${c.references ? ` REFERENCES ${c.references}(id)` : ''}`);
    return `CREATE TABLE ${t.name} (\n${cols.join(',\n')}\n);`;
  });
}

export type Row = (string | number)[];

/** Deterministic rows for every table (parents first, so foreign keys point at existing ids). */
export function drawRows(db: Database, rng: Rng, perTable: [number, number] = [8, 20]): Map<string, Row[]> {
  const rows = new Map<string, Row[]>();
  for (const t of db.tables) {
    const n = rng.int(perTable[0], perTable[1]);
    const out: Row[] = [];
    for (let i = 1; i <= n; i++) {
      out.push(t.columns.map((c) => {
        if (c.role === 'id') return i;
        if (c.role === 'fk') return rng.int(1, rows.get(c.references!)?.length ?? 1);
        return c.gen!(rng);
      }));
    }
    rows.set(t.name, out);
  }
  return rows;
}
