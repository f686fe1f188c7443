// Flag values to numbers, with errors that name the flag.
import { KedgeError } from '@kedge/api';

/** A whole number >= min (default 1). */
export function parseCount(flag: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new KedgeError(
      'KEDGE_CLI_USAGE',
      `${flag}: expected a whole number >= ${min}, got ${JSON.stringify(value)}`,
      {
        fields: [flag],
      },
    );
  }
  return n;
}

/** Seconds (fractions allowed) as whole milliseconds; > 0 unless min is 0. */
export function parseSeconds(flag: string, value: string | undefined, min = Number.MIN_VALUE): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(n) || n < min) {
    const bound = min === 0 ? '>= 0' : '> 0';
    throw new KedgeError(
      'KEDGE_CLI_USAGE',
      `${flag}: expected seconds ${bound}, got ${JSON.stringify(value)}`,
      {
        fields: [flag],
      },
    );
  }
  return Math.round(n * 1000);
}

/** A comma-separated list of whole numbers >= 1, e.g. `--nodes 1000,5000`. */
export function parseCountList(flag: string, value: string | undefined): number[] {
  if (value === undefined || value.trim() === '') {
    throw new KedgeError('KEDGE_CLI_USAGE', `${flag}: expected a comma-separated list of counts`, {
      fields: [flag],
    });
  }
  return value.split(',').map((part) => parseCount(flag, part.trim()));
}
