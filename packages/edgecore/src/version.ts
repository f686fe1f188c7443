// The running edgecore's version. A release unpacked by an upgrade carries a
// VERSION file at its root; a source checkout uses the package version.
import { readFileSync } from 'node:fs';

export function edgecoreVersion(): string {
  for (const rel of ['../../../VERSION', '../package.json']) {
    try {
      const text = readFileSync(new URL(rel, import.meta.url), 'utf8');
      if (rel.endsWith('VERSION')) return text.trim();
      const version = (JSON.parse(text) as { version?: string }).version;
      if (version) return `v${version}`;
    } catch {
      // try the next source
    }
  }
  return 'v0.0.0-unknown';
}
