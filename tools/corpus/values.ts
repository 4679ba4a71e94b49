import {
  ADJECTIVES, BOOK_WORDS, CITIES, COMPANY_SUFFIXES, COMPANY_WORDS, DOMAINS, FIRST_NAMES, LAST_NAMES, NOUNS,
  PRODUCT_NOUNS, STREET_NAMES, STREET_TYPES,
} from './lexicon.js';
import type { Rng } from './rng.js';

/**
 * Realistic scalar values. A `Persona` is drawn once per generated object, so the fields of one
 * record agree with each other (the email is built from the name, the country matches the city), as
 * in real data; a model that learns from coherent records learns to copy rather than to guess.
 */
export interface Persona {
  readonly first: string;
  readonly last: string;
  readonly city: string;
  readonly country: string;
  readonly countryCode: string;
  readonly company: string;
  readonly domain: string;
}

export function drawPersona(rng: Rng): Persona {
  const [city, country, countryCode] = rng.pick(CITIES);
  return {
    first: rng.pick(FIRST_NAMES),
    last: rng.pick(LAST_NAMES),
    city,
    country,
    countryCode,
    company: `${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_SUFFIXES)}`,
    domain: rng.pick(DOMAINS),
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function date(rng: Rng, fromYear = 1990, toYear = 2026): string {
  const y = rng.int(fromYear, toYear);
  const m = rng.int(1, 12);
  const d = rng.int(1, [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!);
  return `${y}-${pad(m)}-${pad(d)}`;
}

export function time(rng: Rng): string {
  return `${pad(rng.int(0, 23))}:${pad(rng.pick([0, 0, 15, 30, 45, rng.int(0, 59)]))}:00`;
}

export function dateTime(rng: Rng): string {
  const zone = rng.pick(['Z', 'Z', '+00:00', '+01:00', '-05:00', '+09:00']);
  return `${date(rng, 2015, 2026)}T${time(rng)}${zone}`;
}

export function email(rng: Rng, p: Persona): string {
  const local = rng.pick([
    `${p.first}.${p.last}`,
    `${p.first[0]}${p.last}`,
    `${p.first}${rng.int(1, 99)}`,
    `${p.first}_${p.last}`,
  ]);
  return `${local.toLowerCase()}@${p.domain}`;
}

export function phone(rng: Rng): string {
  const digits = (n: number): string => Array.from({ length: n }, () => rng.int(0, 9)).join('');
  return rng.pick([
    `+1-${rng.int(200, 989)}-${digits(3)}-${digits(4)}`,
    `+44 20 ${digits(4)} ${digits(4)}`,
    `(${rng.int(200, 989)}) ${digits(3)}-${digits(4)}`,
    `+49 30 ${digits(8)}`,
    `+33 1 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
  ]);
}

export function street(rng: Rng): string {
  return `${rng.int(1, 2400)} ${rng.pick(STREET_NAMES)} ${rng.pick(STREET_TYPES)}`;
}

export function postalCode(rng: Rng): string {
  return rng.weighted([
    [3, String(rng.int(10000, 99999))],
    [1, `${String.fromCharCode(65 + rng.int(0, 25))}${rng.int(1, 9)}${String.fromCharCode(65 + rng.int(0, 25))} ${rng.int(1, 9)}${String.fromCharCode(65 + rng.int(0, 25))}${rng.int(1, 9)}`],
  ]);
}

export function uuid(rng: Rng): string {
  const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[rng.int(0, 15)]).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[rng.int(0, 3)]}${hex(3)}-${hex(12)}`;
}

export function slug(rng: Rng): string {
  return `${rng.pick(ADJECTIVES)}-${rng.pick(NOUNS)}`;
}

export function url(rng: Rng, p: Persona): string {
  const host = rng.chance(0.5) ? p.domain : `${p.company.split(' ')[0]!.toLowerCase()}.com`;
  return rng.pick([`https://${host}/${slug(rng)}`, `https://www.${host}`, `https://${host}/${rng.pick(NOUNS)}s/${rng.int(1, 999)}`]);
}

export function ipv4(rng: Rng): string {
  return `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

export function username(rng: Rng, p: Persona): string {
  return rng.pick([`${p.first.toLowerCase()}${rng.int(1, 999)}`, `${p.first[0]!.toLowerCase()}${p.last.toLowerCase()}`, `${rng.pick(ADJECTIVES)}_${rng.pick(NOUNS)}`]);
}

export function bookTitle(rng: Rng): string {
  return rng.pick([
    `The ${rng.pick(BOOK_WORDS)} of ${rng.pick(BOOK_WORDS)}`,
    `${rng.pick(BOOK_WORDS)} and ${rng.pick(BOOK_WORDS)}`,
    `The ${capitalize(rng.pick(ADJECTIVES))} ${rng.pick(BOOK_WORDS)}`,
    `A ${rng.pick(BOOK_WORDS)} in ${rng.pick(CITIES)[0]}`,
  ]);
}

export function productName(rng: Rng): string {
  return rng.pick([
    `${capitalize(rng.pick(ADJECTIVES))} ${rng.pick(PRODUCT_NOUNS)}`,
    `${rng.pick(COMPANY_WORDS)} ${rng.pick(PRODUCT_NOUNS)} ${rng.int(2, 9)}`,
    `${rng.pick(PRODUCT_NOUNS)} ${rng.pick(['Pro', 'Mini', 'Max', 'Lite', 'Plus', 'X'])}`,
  ]);
}

export function sentence(rng: Rng): string {
  const s = rng.pick([
    `A ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} near ${rng.pick(CITIES)[0]}`,
    `${capitalize(rng.pick(ADJECTIVES))} and ${rng.pick(ADJECTIVES)}, made for every ${rng.pick(NOUNS)}`,
    `Great for the ${rng.pick(NOUNS)}`,
    `The ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} was ${rng.pick(ADJECTIVES)}`,
    `Needs a ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} by ${rng.pick(['Monday', 'Friday', 'next week', 'tomorrow'])}`,
  ]);
  return rng.chance(0.7) ? `${s}.` : s;
}

/** A random word value for fields whose meaning the corpus does not know (generic shapes). */
export function word(rng: Rng): string {
  return rng.pick([rng.pick(NOUNS), rng.pick(ADJECTIVES), `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`, capitalize(rng.pick(NOUNS))]);
}

/** A decimal with `decimals` places, as a number (JSON serializes it without trailing zeros). */
export function decimal(rng: Rng, lo: number, hi: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round((lo + rng.next() * (hi - lo)) * scale) / scale;
}

export function capitalize(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}
