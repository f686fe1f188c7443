// kedgectl: a small kubectl for kedge's embedded mode, reading and writing
// the SQLite store directly. main() parses argv, runs one command and
// returns the exit code; it never exits the process itself.
import { parseArgs } from 'node:util';
import { KedgeError, errorMessage, findKind, kinds, type KindName, type ResourceKind } from '@kedge/api';
import { runApply } from './commands/apply.ts';
import { runDelete } from './commands/delete.ts';
import { runDescribe } from './commands/describe.ts';
import { runGet } from './commands/get.ts';
import { runLogs } from './commands/logs.ts';
import { parseTimeout, runRolloutStatus } from './commands/rollout.ts';
import { storePathFrom, type CliIo, type CommandContext } from './context.ts';
import type { OutputFormat } from './printers.ts';

const OPTIONS = {
  store: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  output: { type: 'string', short: 'o' },
  filename: { type: 'string', short: 'f', multiple: true },
  selector: { type: 'string', short: 'l' },
  watch: { type: 'boolean', short: 'w' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  'output-watch-events': { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `logs` has kubectl's own -f (follow) and -c, so it parses with its own table. */
const LOGS_OPTIONS = {
  store: OPTIONS.store,
  namespace: OPTIONS.namespace,
  help: OPTIONS.help,
  container: { type: 'string', short: 'c' },
  follow: { type: 'boolean', short: 'f' },
  tail: { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;
const GLOBAL: readonly OptionName[] = ['store', 'namespace', 'help'];
const VERB_OPTIONS = {
  apply: ['filename'],
  get: ['output', 'selector', 'watch', 'all-namespaces', 'output-watch-events'],
  delete: [],
  describe: [],
  rollout: ['timeout'],
} as const satisfies Record<string, readonly OptionName[]>;
type Verb = keyof typeof VERB_OPTIONS;

const OUTPUTS: Record<string, OutputFormat> = { wide: 'wide', yaml: 'yaml', json: 'json', name: 'name' };

function usage(): string {
  const types = (Object.values(kinds) as ResourceKind[])
    .map((k) => `${k.plural}${k.shortNames.length ? ` (${k.shortNames.join(', ')})` : ''}`)
    .join(', ');
  return `kedgectl: read and change kedge resources in the embedded SQLite store

Usage:
  kedgectl apply -f FILE|DIR|- [-f ...]
  kedgectl get KIND [NAME] [-l SELECTOR] [-o wide|yaml|json|name] [-w [--output-watch-events]] [-A]
  kedgectl delete KIND NAME...
  kedgectl describe pod|node|deployment NAME
  kedgectl rollout status deployment/NAME [--timeout 5m]
  kedgectl logs POD [-c CONTAINER] [-f] [--tail N]

Flags:
  --store PATH          the store (default: $KEDGE_STORE_PATH, else /var/lib/kedge/kedge.db)
  -n, --namespace NS    namespace of namespaced kinds (default "default")
  -o, --output FORMAT   get output: wide, yaml, json or name (default: a table)
  -l, --selector SEL    label selector, e.g. 'node-role.kubernetes.io/edge,zone in (a,b)'
  -w, --watch           after listing, print every change until Ctrl-C
  --timeout DURATION    rollout status: give up after this long (e.g. 90s, 5m; default 0 = wait)
  -c, --container NAME  logs: the container (needed when the pod has several)
  -f, --follow          logs: keep printing new lines until Ctrl-C or the pod is deleted
  --tail N              logs: only the last N lines
  -h, --help            this text

Resource types (kind, plural or short name): ${types}
`;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err: unknown) {
    for (const line of errorMessage(err).split('\n')) io.stderr.write(`error: ${line}\n`);
    if (io.env.KEDGE_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  if (verbOf(argv) === 'logs') return runLogsCommand(argv, io);
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.stdout.write(usage());
    return 0;
  }
  const [verbWord, ...args] = positionals;
  if (verbWord === undefined) {
    io.stderr.write(usage());
    return 1;
  }
  if (!Object.hasOwn(VERB_OPTIONS, verbWord)) {
    throw new KedgeError(
      'KEDGE_CLI_USAGE',
      `unknown command "${verbWord}" (one of: ${[...Object.keys(VERB_OPTIONS), 'logs'].join(', ')})`,
    );
  }
  const verb = verbWord as Verb;
  const allowed: readonly OptionName[] = [...GLOBAL, ...VERB_OPTIONS[verb]];
  for (const key of Object.keys(values) as OptionName[]) {
    if (!allowed.includes(key))
      throw new KedgeError('KEDGE_CLI_USAGE', `${verb}: flag --${key} does not apply here`);
  }
  const ctx: CommandContext = {
    io,
    storePath: storePathFrom(values.store, io.env),
    namespace: values.namespace,
  };

  switch (verb) {
    case 'apply':
      if (args.length)
        throw new KedgeError('KEDGE_CLI_USAGE', `apply: unexpected argument "${args[0]}" (use -f)`);
      return runApply(ctx, { files: values.filename ?? [] });
    case 'get': {
      const [kindWord, name, extra] = args;
      if (extra !== undefined) throw new KedgeError('KEDGE_CLI_USAGE', `get: unexpected argument "${extra}"`);
      const watchEvents = values['output-watch-events'] ?? false;
      if (watchEvents && !values.watch) {
        throw new KedgeError('KEDGE_CLI_USAGE', 'get: --output-watch-events needs -w/--watch');
      }
      return runGet(ctx, {
        kind: resolveKind(verb, kindWord),
        name,
        selector: values.selector,
        output: resolveOutput(values.output),
        watch: values.watch ?? false,
        allNamespaces: values['all-namespaces'] ?? false,
        watchEvents,
      });
    }
    case 'delete': {
      const [kindWord, ...names] = args;
      const kind = resolveKind(verb, kindWord);
      if (names.length === 0) throw new KedgeError('KEDGE_CLI_USAGE', 'delete: NAME is required');
      return runDelete(ctx, { kind, names });
    }
    case 'describe': {
      const [kindWord, name, extra] = args;
      const kind = resolveKind(verb, kindWord);
      if (name === undefined) throw new KedgeError('KEDGE_CLI_USAGE', 'describe: NAME is required');
      if (extra !== undefined)
        throw new KedgeError('KEDGE_CLI_USAGE', `describe: unexpected argument "${extra}"`);
      return runDescribe(ctx, { kind, name });
    }
    case 'rollout':
      return runRolloutStatus(ctx, { name: rolloutTarget(args), timeoutMs: parseTimeout(values.timeout) });
  }
}

/** The first word that is neither a global flag nor its value. */
function verbOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (['--store', '-n', '--namespace'].includes(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

async function runLogsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: LOGS_OPTIONS, allowPositionals: true, strict: true });
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CLI_USAGE',
      `logs: ${errorMessage(err)} (see kedgectl --help)`,
      {},
      { cause: err },
    );
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(usage());
    return 0;
  }
  const [, pod, extra] = positionals;
  if (pod === undefined) throw new KedgeError('KEDGE_CLI_USAGE', 'logs: POD is required');
  if (extra !== undefined) throw new KedgeError('KEDGE_CLI_USAGE', `logs: unexpected argument "${extra}"`);
  const tail = values.tail;
  if (tail !== undefined && !/^\d{1,9}$/.test(tail)) {
    throw new KedgeError('KEDGE_CLI_USAGE', `logs: --tail ${tail}: expected a whole number of lines`);
  }
  const ctx: CommandContext = {
    io,
    storePath: storePathFrom(values.store, io.env),
    namespace: values.namespace,
  };
  return runLogs(ctx, {
    pod: pod.startsWith('pod/') || pod.startsWith('pods/') ? pod.slice(pod.indexOf('/') + 1) : pod,
    container: values.container,
    follow: values.follow ?? false,
    tailLines: tail === undefined ? undefined : Number(tail),
  });
}

function parse(
  argv: readonly string[],
): ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>> {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err: unknown) {
    throw new KedgeError('KEDGE_CLI_USAGE', `${errorMessage(err)} (see kedgectl --help)`, {}, { cause: err });
  }
}

function resolveKind(verb: Verb, word: string | undefined): KindName {
  const types = (Object.values(kinds) as ResourceKind[]).map((k) => k.plural).join(', ');
  if (word === undefined)
    throw new KedgeError('KEDGE_CLI_USAGE', `${verb}: KIND is required (one of: ${types})`);
  const kind = findKind(word);
  if (!kind) throw new KedgeError('KEDGE_CLI_USAGE', `unknown resource type "${word}" (one of: ${types})`);
  return kind;
}

/** `status deployment/NAME` or `status deployment NAME`: the Deployment's name. */
function rolloutTarget(args: readonly string[]): string {
  const [sub, target, second, extra] = args;
  if (sub !== 'status') {
    throw new KedgeError('KEDGE_CLI_USAGE', `rollout: unknown subcommand "${sub ?? ''}" (only: status)`);
  }
  const [kindWord, name] = target?.includes('/') ? target.split('/', 2) : [target, second];
  const extraArg = target?.includes('/') ? second : extra;
  if (extraArg !== undefined)
    throw new KedgeError('KEDGE_CLI_USAGE', `rollout status: unexpected argument "${extraArg}"`);
  if (kindWord === undefined || findKind(kindWord) !== 'Deployment' || !name) {
    throw new KedgeError('KEDGE_CLI_USAGE', 'rollout status: name a Deployment, e.g. deployment/web');
  }
  return name;
}

function resolveOutput(value: string | undefined): OutputFormat {
  if (value === undefined) return 'table';
  const format = OUTPUTS[value];
  if (!format) {
    throw new KedgeError(
      'KEDGE_CLI_USAGE',
      `-o ${value}: unknown output format (one of: ${Object.keys(OUTPUTS).join(', ')})`,
    );
  }
  return format;
}
