// Tiny fake releases whose edgecore.mjs is a plain script, so the installer's
// and the edge task manager's tests can exercise staging, switching and the
// launcher without building a real release.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How the fake edgecore behaves once started. */
export type FakeBehaviour =
  /** Prints a line, records its pid in state/edgecore.pid, runs until SIGTERM (exit 0). */
  | 'run'
  /** Exits 1 at once. */
  | 'crash'
  /** Like run, but exits 1 at start when its config file contains "crash: true". */
  | 'config-sensitive';

/** Writes a release directory <parent>/<name> with VERSION and an edgecore.mjs. */
export function makeFakeRelease(
  parent: string,
  version: string,
  behaviour: FakeBehaviour,
  name = version,
): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'VERSION'), `${version}\n`);
  writeFileSync(join(dir, 'edgecore.mjs'), fakeScript(version, behaviour));
  return dir;
}

function fakeScript(version: string, behaviour: FakeBehaviour): string {
  if (behaviour === 'crash') {
    return `console.log(JSON.stringify({ msg: 'fake edgecore crashing', version: ${JSON.stringify(version)} }));\nprocess.exit(1);\n`;
  }
  return `import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
const version = ${JSON.stringify(version)};
const configFile = process.argv[process.argv.indexOf('--config') + 1];
${behaviour === 'config-sensitive' ? "if (readFileSync(configFile, 'utf8').includes('crash: true')) { console.log(JSON.stringify({ msg: 'fake edgecore bad config', version })); process.exit(1); }" : ''}
process.on('SIGTERM', () => { console.log(JSON.stringify({ msg: 'fake edgecore stopping', version })); process.exit(0); });
const root = process.env.KEDGE_INSTALL_ROOT;
mkdirSync(join(root, 'state'), { recursive: true });
writeFileSync(join(root, 'state', 'edgecore.pid'), process.pid + '\\n');
console.log(JSON.stringify({ msg: 'fake edgecore running', version, pid: process.pid, config: readFileSync(configFile, 'utf8').trim() }));
setInterval(() => {}, 1 << 30);
`;
}
