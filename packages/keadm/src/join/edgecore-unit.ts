// The systemd unit keadm join installs: configs/systemd/edgecore.service with
// its ExecStart pointing at this node's node binary, install root and config.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KedgeError, errorMessage } from '@kedge/api';

/** configs/systemd/edgecore.service of the checkout keadm runs from. */
const EDGECORE_UNIT_TEMPLATE = fileURLToPath(
  new URL('../../../../configs/systemd/edgecore.service', import.meta.url),
);

export const EDGECORE_UNIT_NAME = 'edgecore.service';

export interface EdgecoreUnitOptions {
  /** Absolute path of the node binary (Node.js 24). */
  node: string;
  /** The install root as the running system sees it, e.g. /usr/local/lib/kedge. */
  installRoot: string;
  /** edgecore.yaml as the running system sees it. */
  configFile: string;
  /** The unit text to adjust; default the template file. */
  template?: string;
}

export function renderEdgecoreUnit(o: EdgecoreUnitOptions): string {
  const template = o.template ?? readTemplate();
  const execStart = [
    o.node,
    `${o.installRoot.replace(/\/+$/, '')}/launcher/launcher.mjs`,
    '--root',
    o.installRoot,
    '--config',
    o.configFile,
  ]
    .map(unitWord)
    .join(' ');
  let found = 0;
  const lines = template.split('\n').map((line) => {
    if (!/^ExecStart=/.test(line)) return line;
    found++;
    return `ExecStart=${execStart}`;
  });
  if (found !== 1) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `${EDGECORE_UNIT_TEMPLATE}: expected one ExecStart= line, found ${found}`,
      { file: EDGECORE_UNIT_TEMPLATE },
    );
  }
  return lines.join('\n');
}

/** A word of a systemd command line: absolute paths only; quoted when it has spaces. */
function unitWord(word: string): string {
  if (/["\\$%\n]/.test(word)) {
    throw new KedgeError(
      'KEDGE_CLI_USAGE',
      `${JSON.stringify(word)}: paths in the unit may not contain " \\ $ % or newlines`,
    );
  }
  return /\s/.test(word) ? `"${word}"` : word;
}

function readTemplate(): string {
  try {
    return readFileSync(EDGECORE_UNIT_TEMPLATE, 'utf8');
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_INSTALL_INVALID',
      `cannot read the unit template ${EDGECORE_UNIT_TEMPLATE}: ${errorMessage(err)}`,
      { file: EDGECORE_UNIT_TEMPLATE },
    );
  }
}
