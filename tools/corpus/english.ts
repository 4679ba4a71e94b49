import { ADJECTIVES, CITIES, FIRST_NAMES, FOODS, MONTHS, NOUNS, PLACES, VERBS_PAST, WEATHER, WEEKDAYS } from './lexicon.js';
import type { Rng } from './rng.js';
import { capitalize } from './values.js';

/**
 * Plain English for the corpus: short stories and explanatory paragraphs built from templates. It
 * keeps the model's English fluent enough for user prompts; it is not meant to teach facts.
 */

function storySentence(rng: Rng, hero: string, friend: string): string {
  const noun = rng.pick(NOUNS);
  const adj = rng.pick(ADJECTIVES);
  return rng.pick([
    `${hero} ${rng.pick(VERBS_PAST)} a ${adj} ${noun} near ${rng.pick(PLACES)}.`,
    `On ${rng.pick(WEEKDAYS)}, ${hero} and ${friend} went to ${rng.pick(PLACES)}.`,
    `The weather was ${rng.pick(WEATHER)}, so ${hero} stayed at home and read a book.`,
    `${friend} said that the ${noun} was too ${adj} for the ${rng.pick(NOUNS)}.`,
    `"Look at that ${noun}," said ${hero}.`,
    `They ate ${rng.pick(FOODS)} and talked about the ${adj} ${rng.pick(NOUNS)}.`,
    `In ${rng.pick(MONTHS)}, ${hero} moved to ${rng.pick(CITIES)[0]} for a new job.`,
    `${hero} was ${adj}, but ${friend} was ${rng.pick(ADJECTIVES)}.`,
    `After a long day, ${hero} ${rng.pick(VERBS_PAST)} the ${noun} and went to sleep.`,
    `${friend} had never seen such a ${adj} ${noun} before.`,
    `Every morning, ${hero} walked past ${rng.pick(PLACES)} on the way to work.`,
    `It took them ${rng.int(2, 12)} hours to reach ${rng.pick(PLACES)}.`,
  ]);
}

const EXPLANATIONS: readonly string[] = [
  'A JSON object is a list of key and value pairs inside curly braces.',
  'Keys in JSON are always strings in double quotes.',
  'A JSON array holds values in order, separated by commas, inside square brackets.',
  'JSON values can be strings, numbers, booleans, null, objects or arrays.',
  'A JSON Schema describes which JSON documents are valid.',
  'The required keyword of a schema lists the properties an object must have.',
  'An enum restricts a value to one of a fixed list of options.',
  'SQL is the language used to ask questions of a relational database.',
  'A SELECT statement reads rows from one or more tables.',
  'The WHERE clause keeps only the rows that match a condition.',
  'GROUP BY collects rows with the same value so that they can be counted or summed.',
  'A JOIN combines rows from two tables that share a key.',
  'ORDER BY sorts the result, and LIMIT keeps only the first rows.',
  'A primary key identifies each row of a table.',
  'A foreign key points from one table to a row of another table.',
  'Dates are often written as year, month and day, for example 2024-05-17.',
  'An email address has a local part, an at sign and a domain.',
  'A small language model predicts the next token from the previous ones.',
  'Structured output means the answer follows a fixed format that a program can read.',
  'Validation checks that a document matches its schema before it is used.',
];

function explanation(rng: Rng): string {
  return rng.sample(EXPLANATIONS, rng.int(2, 5)).join(' ');
}

function story(rng: Rng): string {
  const hero = rng.pick(FIRST_NAMES);
  let friend = rng.pick(FIRST_NAMES);
  if (friend === hero) friend = 'a friend';
  const n = rng.int(3, 8);
  const sentences: string[] = [];
  for (let i = 0; i < n; i++) sentences.push(capitalize(storySentence(rng, hero, friend)));
  return sentences.join(' ');
}

/** One plain-English document (a story or an explanation). */
export function drawEnglish(rng: Rng): string {
  return rng.chance(0.7) ? story(rng) : explanation(rng);
}
