import type { StringComponent } from './string-component.js';

/**
 * RFC 3339 `full-date`, `full-time` and `date-time` as one exact automaton: days per month, leap years
 * (year mod 400 is tracked digit by digit), hours/minutes/offsets in range, and leap seconds only where
 * the UTC time is 23:59 (`15:59:60-08:00` yes, `23:59:60+01:00` no). `T` and `Z` may be lower case
 * (RFC 3339 section 5.6 note); the offset must be `Z` or `+hh:mm` / `-hh:mm`.
 *
 * This is also a subset of what ajv-formats accepts (it additionally allows a space for `T` and
 * offsets without minutes or colon), so the machine and the reference validator agree on every string
 * it accepts. A regex would need ~1,440 alternatives to express the leap-second rule; the automaton
 * keeps the hour and minute in its state instead, interned to small integers on first visit.
 */
export type DateTimeMode = 'date' | 'time' | 'date-time';

// Positions.
const Y = 0; // 4 year digits: fields.k counts them
const DASH1 = 1;
const MON = 2; // 2 digits
const DASH2 = 3;
const DAY = 4; // 2 digits
const T_SEP = 5;
const HOUR = 6;
const COLON1 = 7;
const MIN = 8;
const COLON2 = 9;
const SEC = 10;
const FRAC_DOT = 11; // after seconds: '.', 'Z', '+', '-'
const FRAC = 12; // at least one digit read after '.'
const FRAC_FIRST = 13; // '.' read, digit required
const OFF_HOUR = 14;
const OFF_COLON = 15;
const OFF_MIN = 16;
const DONE = 17;

const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface Fields {
  pos: number;
  /** Digits read in the current field. */
  k: number;
  /** Value of the current numeric field so far. */
  v: number;
  yearMod400: number;
  month: number;
  /** Hour*60+minute of the local time when the seconds are a leap second candidate, else -1. */
  hm: number;
  leap: boolean;
  sign: number;
  offHour: number;
}

export class DateTimeComponent implements StringComponent {
  readonly label: string;
  readonly initial: number;
  private readonly mode: DateTimeMode;
  private readonly states: Fields[] = [];
  private readonly ids = new Map<string, number>();
  private readonly memo = new Map<number, number>();

  constructor(mode: DateTimeMode) {
    this.mode = mode;
    this.label = `format ${mode}`;
    const start: Fields = { pos: mode === 'time' ? HOUR : Y, k: 0, v: 0, yearMod400: 0, month: 0, hm: -1, leap: false, sign: 0, offHour: 0 };
    this.initial = this.intern(start);
  }

  private intern(f: Fields): number {
    const key = `${f.pos},${f.k},${f.v},${f.yearMod400},${f.month},${f.hm},${f.leap ? 1 : 0},${f.sign},${f.offHour}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.states.length;
      this.states.push(f);
      this.ids.set(key, id);
    }
    return id;
  }

  step(state: number, byte: number): number {
    if (state < 0) return -1;
    const memoKey = state * 256 + byte;
    const known = this.memo.get(memoKey);
    if (known !== undefined) return known;
    const next = this.compute(this.states[state], byte);
    const id = next === undefined ? -1 : this.intern(next);
    this.memo.set(memoKey, id);
    return id;
  }

  accepts(state: number): boolean {
    if (state < 0) return false;
    const f = this.states[state];
    if (this.mode === 'date') return f.pos === T_SEP;
    return f.pos === DONE;
  }

  loops(): boolean {
    return false;
  }

  neverDies(): boolean {
    return false;
  }

  private compute(f: Fields, b: number): Fields | undefined {
    const digit = b >= 0x30 && b <= 0x39 ? b - 0x30 : -1;
    const g: Fields = { ...f };
    switch (f.pos) {
      case Y:
        if (digit < 0) return undefined;
        g.yearMod400 = (f.yearMod400 * 10 + digit) % 400;
        g.k = f.k + 1;
        if (g.k === 4) {
          g.pos = DASH1;
          g.k = 0;
        }
        return g;
      case DASH1:
      case DASH2:
        if (b !== 0x2d) return undefined;
        g.pos = f.pos === DASH1 ? MON : DAY;
        return g;
      case MON:
        if (digit < 0) return undefined;
        if (f.k === 0) {
          if (digit > 1) return undefined;
          g.v = digit;
          g.k = 1;
          return g;
        }
        g.month = f.v * 10 + digit;
        if (g.month < 1 || g.month > 12) return undefined;
        g.pos = DASH2;
        g.k = 0;
        g.v = 0;
        return g;
      case DAY: {
        if (digit < 0) return undefined;
        if (f.k === 0) {
          if (digit > 3) return undefined;
          g.v = digit;
          g.k = 1;
          return g;
        }
        const day = f.v * 10 + digit;
        const leapYear = f.yearMod400 % 4 === 0 && (f.yearMod400 % 100 !== 0 || f.yearMod400 === 0);
        const max = f.month === 2 && leapYear ? 29 : DAYS[f.month];
        if (day < 1 || day > max) return undefined;
        // The date is settled: forget it so equal futures share a state.
        return { pos: T_SEP, k: 0, v: 0, yearMod400: 0, month: 0, hm: -1, leap: false, sign: 0, offHour: 0 };
      }
      case T_SEP:
        if (this.mode === 'date') return undefined;
        if (b !== 0x54 && b !== 0x74) return undefined;
        g.pos = HOUR;
        return g;
      case HOUR:
      case MIN:
        if (digit < 0) return undefined;
        if (f.k === 0) {
          if (digit > (f.pos === HOUR ? 2 : 5)) return undefined;
          g.v = digit;
          g.k = 1;
          return g;
        }
        {
          const value = f.v * 10 + digit;
          if (f.pos === HOUR) {
            if (value > 23) return undefined;
            g.hm = value * 60;
            g.pos = COLON1;
          } else {
            g.hm = f.hm + value;
            g.pos = COLON2;
          }
          g.k = 0;
          g.v = 0;
          return g;
        }
      case COLON1:
      case COLON2:
        if (b !== 0x3a) return undefined;
        g.pos = f.pos === COLON1 ? MIN : SEC;
        return g;
      case SEC:
        if (digit < 0) return undefined;
        if (f.k === 0) {
          if (digit > 6) return undefined;
          g.v = digit;
          g.k = 1;
          return g;
        }
        {
          const value = f.v * 10 + digit;
          if (value > 60) return undefined;
          g.leap = value === 60;
          if (!g.leap) g.hm = -1;
          g.pos = FRAC_DOT;
          g.k = 0;
          g.v = 0;
          return g;
        }
      case FRAC_DOT:
      case FRAC:
        if (f.pos === FRAC && digit >= 0) return f;
        if (f.pos === FRAC_DOT && b === 0x2e) {
          g.pos = FRAC_FIRST;
          return g;
        }
        if (b === 0x5a || b === 0x7a) {
          // Z: UTC, a leap second only at 23:59.
          if (f.leap && f.hm !== 23 * 60 + 59) return undefined;
          return { pos: DONE, k: 0, v: 0, yearMod400: 0, month: 0, hm: -1, leap: false, sign: 0, offHour: 0 };
        }
        if (b === 0x2b || b === 0x2d) {
          g.sign = b === 0x2b ? 1 : -1;
          g.pos = OFF_HOUR;
          return g;
        }
        return undefined;
      case FRAC_FIRST:
        if (digit < 0) return undefined;
        g.pos = FRAC;
        return g;
      case OFF_HOUR:
      case OFF_MIN:
        if (digit < 0) return undefined;
        if (f.leap && digit !== leapOffsetDigit(f.hm, f.sign, f.pos === OFF_HOUR ? f.k : 2 + f.k)) {
          // A leap second fixes the offset (UTC must be 23:59): any other digit has no completion.
          return undefined;
        }
        if (f.k === 0) {
          if (digit > (f.pos === OFF_HOUR ? 2 : 5)) return undefined;
          g.v = digit;
          g.k = 1;
          return g;
        }
        {
          const value = f.v * 10 + digit;
          if (f.pos === OFF_HOUR) {
            if (value > 23) return undefined;
            g.offHour = value;
            g.pos = OFF_COLON;
            g.k = 0;
            g.v = 0;
            return g;
          }
          if (f.leap) {
            // UTC = local - sign * offset must be 23:59 (mod 24 h).
            const offset = f.offHour * 60 + value;
            const utc = (((f.hm - f.sign * offset) % 1440) + 1440) % 1440;
            if (utc !== 23 * 60 + 59) return undefined;
          }
          return { pos: DONE, k: 0, v: 0, yearMod400: 0, month: 0, hm: -1, leap: false, sign: 0, offHour: 0 };
        }
      case OFF_COLON:
        if (b !== 0x3a) return undefined;
        g.pos = OFF_MIN;
        return g;
      default:
        return undefined;
    }
  }
}

/**
 * The offset digit at position `i` (0-1 hours, 2-3 minutes) that makes a leap second at local time
 * `hm` (minutes) with offset sign `sign` fall on 23:59 UTC: UTC = local - sign * offset.
 */
function leapOffsetDigit(hm: number, sign: number, i: number): number {
  const offset = (((sign * (hm - (23 * 60 + 59))) % 1440) + 1440) % 1440;
  const hours = Math.floor(offset / 60);
  const minutes = offset % 60;
  const pair = i < 2 ? hours : minutes;
  return i % 2 === 0 ? Math.floor(pair / 10) : pair % 10;
}
