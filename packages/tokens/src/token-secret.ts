// The rule every holder of the token secret applies before deriving tokens
// from it: cloudcore loading its secret file, keadm gettoken reading the file
// or the cluster's Secret.

/** Shortest token secret accepted (characters, after trimming). */
export const MIN_TOKEN_SECRET_LENGTH = 16;

/** True when `secret` (already trimmed) is long enough to derive tokens from. */
export function isUsableTokenSecret(secret: string): boolean {
  return secret.length >= MIN_TOKEN_SECRET_LENGTH;
}
