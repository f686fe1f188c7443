// Import boundaries and cycles (issue 9, STYLE.md "Layout", DESIGN.md "Dependency direction").
// Run by ./scripts/test as the `boundaries` step (`pnpm run boundaries`):
//   pnpm exec depcruise --config dependency-cruiser.config.mjs packages e2e scripts
// Workspace imports resolve through node_modules to the files a package's package.json
// `exports` names (src/index.ts), so a dependency on any other file of another package is a
// reach into its internals.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { URL } from 'node:url';

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// The public entry files of every package, from its package.json `exports`.
const ENTRY_FILES = readdirSync(new URL('./packages/', import.meta.url)).flatMap((dir) => {
  const manifestUrl = new URL(`./packages/${dir}/package.json`, import.meta.url);
  if (!existsSync(manifestUrl)) return [];
  const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8'));
  return Object.values(manifest.exports ?? {}).map(
    (file) => `^packages/${escape(dir)}/${escape(String(file).replace(/^\.\//, ''))}$`,
  );
});

// Tests and test-only helpers: they may use @kedge/testing.
const TEST_FILES = [
  '\\.test\\.ts$',
  '/testdata/',
  '/test-[^/]*\\.ts$',
  '/test-harness\\.ts$',
  '^packages/[^/]+/test/',
  '^packages/store/src/contract/',
];
// Daemons and the processes they are built into; none reaches into another's files.
const PROCESSES = 'cloudcore|controllermanager|dashboard|edgecore';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, within a package or across packages (type-only imports included).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves (a package imports only what its package.json declares).',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-package-internals',
      severity: 'error',
      comment:
        'Import another package only through its entry, `@kedge/<pkg>` (what its package.json exports).',
      from: { path: '^packages/([^/]+)/' },
      to: { path: '^packages/([^/]+)/', pathNot: ['^packages/$1/', ...ENTRY_FILES] },
    },
    {
      name: 'no-relative-import-out-of-package',
      severity: 'error',
      comment: 'Another package is `@kedge/<pkg>`, never a relative path out of this package.',
      from: { path: '^packages/([^/]+)/' },
      to: { dependencyTypes: ['local'], path: '^packages/', pathNot: '^packages/$1/' },
    },
    {
      name: 'no-internals-from-outside-packages',
      severity: 'error',
      comment: 'e2e/ and scripts/ import packages through `@kedge/<pkg>` only.',
      from: { path: '^(e2e|scripts)/' },
      to: { path: '^packages/', pathNot: ENTRY_FILES },
    },
    {
      name: 'relative-import-into-packages',
      severity: 'error',
      comment: 'e2e/ and scripts/ import packages as `@kedge/<pkg>`, not by a relative path.',
      from: { path: '^(e2e|scripts)/' },
      to: { dependencyTypes: ['local'], path: '^packages/' },
    },
    {
      name: 'api-is-the-floor',
      severity: 'error',
      comment: '@kedge/api depends on no other @kedge package.',
      from: { path: '^packages/api/' },
      to: { path: '^packages/', pathNot: '^packages/api/' },
    },
    {
      name: 'runtime-knows-no-domain',
      severity: 'error',
      comment: '@kedge/runtime (logger, clock, config loading) uses only @kedge/api (coded errors).',
      from: { path: '^packages/runtime/' },
      to: { path: '^packages/', pathNot: '^packages/(runtime|api)/' },
    },
    {
      name: 'tokens-on-api-only',
      severity: 'error',
      comment:
        '@kedge/tokens (credential formats) sits on the first floor beside runtime: it uses only @kedge/api.',
      from: { path: '^packages/tokens/' },
      to: { path: '^packages/', pathNot: '^packages/(tokens|api)/' },
    },
    {
      name: 'libraries-below-processes',
      severity: 'error',
      comment:
        'store, oci, beehive, installer, tokens and runtime sit below the processes: api <- store <- cloud processes.',
      from: { path: '^packages/(store|oci|beehive|installer|tokens|runtime)/' },
      to: { path: `^packages/(${PROCESSES}|keadm|localup|edgemark)/` },
    },
    {
      name: 'store-only-on-api-and-runtime',
      severity: 'error',
      comment: '@kedge/store builds on @kedge/api and @kedge/runtime only.',
      from: { path: '^packages/store/' },
      to: { path: '^packages/', pathNot: '^packages/(store|api|runtime|testing)/' },
    },
    {
      name: 'edge-without-store',
      severity: 'error',
      comment: 'api <- edgecore: the edge has its own cache and never opens the cloud store.',
      from: { path: '^packages/edgecore/' },
      to: { path: '^packages/store/' },
    },
    {
      name: 'process-not-from-process',
      severity: 'error',
      comment: 'A process package never imports another process package (move shared code down a floor).',
      from: { path: `^packages/(${PROCESSES})/` },
      to: { path: `^packages/(${PROCESSES})/`, pathNot: '^packages/$1/' },
    },
    {
      name: 'processes-below-tools',
      severity: 'error',
      comment: 'Processes and libraries never import the tools built on them (keadm, localup, edgemark).',
      from: { path: '^packages/', pathNot: '^packages/(keadm|localup|edgemark)/' },
      to: { path: '^packages/(keadm|localup|edgemark)/' },
    },
    {
      name: 'test-helpers-only-in-tests',
      severity: 'error',
      comment:
        "A package's test/ folder (its test helpers) is imported by tests only, never by its production code.",
      from: { path: '^packages/', pathNot: TEST_FILES },
      to: { path: '^packages/[^/]+/test/' },
    },
    {
      name: 'testing-only-in-tests',
      severity: 'error',
      comment: '@kedge/testing is for tests, e2e, localup and edgemark only, never production code.',
      from: { path: '^packages/', pathNot: ['^packages/(testing|localup|edgemark)/', ...TEST_FILES] },
      to: { path: '^packages/testing/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '\\.tsbuild/', '^packages/dashboard/src/web/vendor/'] },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
