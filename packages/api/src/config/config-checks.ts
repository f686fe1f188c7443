// Small pure checks used by the edgecore.yaml schema.

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?)$/;

/** Problem with a `host:port` (or, when allowed, ws:// / wss:// URL) address, or undefined. */
export function hostPortProblem(value: string, allowUrl: boolean): string | undefined {
  const wanted = allowUrl ? 'host:port or a ws:// or wss:// URL' : 'host:port';
  if (value === '') return `required (${wanted})`;
  if (value.includes('://')) {
    if (!allowUrl) return `expected host:port, got ${JSON.stringify(value)}`;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return `expected ${wanted}, got ${JSON.stringify(value)}`;
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
      return `URL scheme must be ws or wss, got ${url.protocol}`;
    return url.hostname ? undefined : `URL has no host: ${JSON.stringify(value)}`;
  }
  const colon = value.lastIndexOf(':');
  const host = value.slice(0, colon);
  const port = value.slice(colon + 1);
  if (colon <= 0 || !HOST.test(host) || !/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    return `expected ${wanted}, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Kubernetes label rules: `[prefix/]name` key (name <= 63), value <= 63 and the same characters, or empty. */
export function labelProblems(key: string, value: string): string[] {
  const problems: string[] = [];
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    problems.push(`label key prefix must be a lower-case DNS subdomain, got ${JSON.stringify(prefix)}`);
  }
  if (name.length > 63 || !LABEL_NAME.test(name)) {
    problems.push(
      `label key name must be 1-63 letters, digits, '-', '_' or '.', starting and ending alphanumeric`,
    );
  }
  if (value !== '' && (value.length > 63 || !LABEL_NAME.test(value))) {
    problems.push(
      `label value must be empty or 1-63 letters, digits, '-', '_' or '.', got ${JSON.stringify(value)}`,
    );
  }
  return problems;
}
