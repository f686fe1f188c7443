// The loader's layers and messages, with a schema of its own (no daemon's):
// defaults -> file -> env -> flags, one validation, a frozen result.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hasCode, KedgeError } from '@kedge/api';
import { parseFeatureGates } from './config-flags.ts';
import { loadConfig } from './load-config.ts';

const Schema = z.strictObject({
  name: z.string().min(1),
  server: z.strictObject({ port: z.number().int().min(1), host: z.string() }),
  tags: z.array(z.string()),
});
type Config = z.infer<typeof Schema>;
const DEFAULTS: Config = { name: 'demo', server: { port: 80, host: 'localhost' }, tags: ['a'] };
const PORT_ENV = [{ env: 'DEMO_PORT', path: ['server', 'port'], type: 'integer' } as const];

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err: unknown) {
    if (err instanceof KedgeError && hasCode(err, 'KEDGE_CONFIG_INVALID'))
      return err.message.split('\n').slice(1);
    throw err;
  }
  throw new Error('expected KEDGE_CONFIG_INVALID');
}

describe('loadConfig', () => {
  it('merges file over defaults, env over file and flags over env, and freezes the result', () => {
    const config = loadConfig<Config>({
      name: 'demo',
      schema: Schema,
      defaults: DEFAULTS,
      file: 'demo.yaml',
      text: 'server:\n  port: 8080\n  host: example\ntags: [x, y]\n',
      env: { DEMO_PORT: '9090' },
      envBindings: PORT_ENV,
      overrides: { server: { host: 'flag-host' } },
    });
    expect(config).toEqual({ name: 'demo', server: { port: 9090, host: 'flag-host' }, tags: ['x', 'y'] });
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.tags)).toBe(true);
  });

  it('says where each bad value came from: the file line, the env var, nothing for a flag', () => {
    const problems = problemsOf(() =>
      loadConfig<Config>({
        name: 'demo',
        schema: Schema,
        defaults: DEFAULTS,
        file: 'demo.yaml',
        text: 'name: ""\nserver:\n  host: 7\n',
        env: { DEMO_PORT: 'eighty' },
        envBindings: PORT_ENV,
        overrides: { tags: 'not-a-list' as unknown as string[] },
      }),
    );
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^name: .*\(line 1\)$/);
    expect(problems[1]).toMatch(/^server\.host: .*\(line 3\)$/);
    expect(problems).toContainEqual(expect.stringMatching(/^server\.port: .*\(from DEMO_PORT\)$/));
    expect(problems).toContainEqual(expect.stringMatching(/^tags: [^(]*$/));
  });

  it('names the file and line of invalid YAML (KEDGE_CONFIG_UNREADABLE)', () => {
    expect(() =>
      loadConfig<Config>({
        name: 'demo',
        schema: Schema,
        defaults: DEFAULTS,
        file: 'demo.yaml',
        text: 'a: 1\na: 2\n',
      }),
    ).toThrow(/demo\.yaml:2:\d+/);
  });
});

describe('parseFeatureGates', () => {
  it('reads name, name=true and name=false, and reports every unknown gate and bad value', () => {
    expect(parseFeatureGates('one, two=false', ['one', 'two'])).toEqual({ one: true, two: false });
    const problems = problemsOf(() => parseFeatureGates('ONE,two=maybe,three', ['one', 'two']));
    expect(problems).toEqual([
      'ONE: unknown feature gate (did you mean "one"?)',
      'two: expected true or false, got "maybe"',
      'three: unknown feature gate (known: one, two)',
    ]);
  });
});
