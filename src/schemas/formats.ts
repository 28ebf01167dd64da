/**
 * Custom ajv formats of schemas/: what a pattern can only approximate. A pattern sees the syntax of
 * "2026-13-45T99:99:99Z"; only a calendar sees that it is no time.
 */

const GO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

const daysIn = (year: number, month: number) =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

/**
 * An RFC 3339 time as Go's time.Parse(time.RFC3339Nano) accepts it: a real calendar date, hours
 * 0..23, minutes and seconds 0..59 (Go refuses a leap second 60), at most 9 fractional digits, an
 * offset below 24:00. The zero time 0001-01-01T00:00:00Z is valid.
 */
export function isGoTime(s: string): boolean {
  const m = GO_TIME.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return false;
  return true;
}

/** Linux's IFNAMSIZ is 16 with the NUL: a name is at most 15 *bytes*, and non-ASCII takes several. */
export function isLinuxIfnameLength(s: string): boolean {
  return Buffer.byteLength(s, 'utf8') <= 15;
}

/**
 * The formats as ajv format definitions, by name: schemas/codegen.ts compiles the schemas with them and
 * the generated validators (validators.generated.ts) call them from here.
 */
export const ajvFormats = {
  'go-time': { type: 'string', validate: isGoTime },
  'linux-ifname': { type: 'string', validate: isLinuxIfnameLength },
} as const;
