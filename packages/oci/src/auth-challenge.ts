// Parses a WWW-Authenticate header (RFC 7235): `Basic realm="x"` or
// `Bearer realm="https://auth/token",service="reg",scope="repository:a/b:pull,push"`.
// Quoted values may hold commas and backslash escapes.

export interface AuthChallenge {
  /** Lower-cased: `basic`, `bearer`, ... */
  scheme: string;
  /** Parameter names lower-cased. */
  params: Record<string, string>;
}

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/** The first challenge in the header, or undefined when there is none we can read. */
export function parseAuthChallenge(header: string | null): AuthChallenge | undefined {
  if (header === null) return undefined;
  let rest = header.trimStart();
  const scheme = TOKEN_RE.exec(rest)?.[0];
  if (scheme === undefined) return undefined;
  rest = rest.slice(scheme.length);
  const params: Record<string, string> = {};
  for (;;) {
    rest = rest.replace(/^[\s,]+/, '');
    const name = TOKEN_RE.exec(rest)?.[0];
    if (name === undefined) break;
    const afterName = rest.slice(name.length).trimStart();
    // A token not followed by "=" starts the next challenge: stop at the first one.
    if (!afterName.startsWith('=')) break;
    rest = afterName.slice(1).trimStart();
    let value: string;
    if (rest.startsWith('"')) {
      let i = 1;
      value = '';
      while (i < rest.length && rest[i] !== '"') {
        if (rest[i] === '\\' && i + 1 < rest.length) i += 1;
        value += rest[i];
        i += 1;
      }
      rest = rest.slice(i + 1);
    } else {
      // Unquoted: up to the next comma or space (more lenient than a token, as some servers are).
      value = /^[^\s,]*/.exec(rest)?.[0] ?? '';
      rest = rest.slice(value.length);
    }
    params[name.toLowerCase()] = value;
  }
  return { scheme: scheme.toLowerCase(), params };
}
