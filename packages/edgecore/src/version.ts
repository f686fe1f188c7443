// The running edgecore's version. A release unpacked by an upgrade carries a
// VERSION file at its root: beside the bundle (`<release>/edgecore.mjs`, where
// this module ends up), or three levels up in a source tree; a source checkout
// without one uses the package version.
import { readFileSync } from 'node:fs';

export function edgecoreVersion(): string {
  for (const rel of ['./VERSION', '../../../VERSION', '../package.json']) {
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
