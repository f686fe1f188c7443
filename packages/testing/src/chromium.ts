// The browser the dashboard's page tests drive: Debian's chromium, which
// scripts/lib.sh bootstrap installs (no browser is ever downloaded). Like
// the cluster-mode tests, they never skip: a missing browser fails them,
// naming the path and how to get it.
import { accessSync, constants } from 'node:fs';
import { KedgeError } from '@kedge/api';

/** Debian's chromium; KEDGE_CHROMIUM points elsewhere. */
export function chromiumPath(): string {
  return process.env.KEDGE_CHROMIUM || '/usr/bin/chromium';
}

/** The Chromium executable, or KEDGE_TEST_TOOL_MISSING naming it and how to install it. */
export function requireChromium(path = chromiumPath()): string {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_TEST_TOOL_MISSING',
      `the dashboard browser tests need Chromium at ${path}: run \`source scripts/lib.sh && bootstrap\` ` +
        '(it installs Debian package chromium) or set KEDGE_CHROMIUM',
      { file: path },
      { cause: err },
    );
  }
}
