import { describe, expect, it } from 'vitest';
import { labelSelectorToString, matchesLabelSelector, parseLabelSelector } from './label-selector.ts';

const matches = (selector: string, labels?: Record<string, string>): boolean =>
  matchesLabelSelector(parseLabelSelector(selector), labels);

describe('parseLabelSelector', () => {
  it('parses every Kubernetes form into requirements', () => {
    expect(parseLabelSelector('a=b, c==d ,e!=f,g in (x, y),h notin (z),i,!j')).toEqual([
      { key: 'a', operator: 'In', values: ['b'] },
      { key: 'c', operator: 'In', values: ['d'] },
      { key: 'e', operator: 'NotIn', values: ['f'] },
      { key: 'g', operator: 'In', values: ['x', 'y'] },
      { key: 'h', operator: 'NotIn', values: ['z'] },
      { key: 'i', operator: 'Exists', values: [] },
      { key: 'j', operator: 'DoesNotExist', values: [] },
    ]);
  });

  it('accepts prefixed keys, empty values and an empty selector', () => {
    expect(parseLabelSelector('node-role.kubernetes.io/edge=')).toEqual([
      { key: 'node-role.kubernetes.io/edge', operator: 'In', values: [''] },
    ]);
    expect(parseLabelSelector('')).toEqual([]);
    expect(parseLabelSelector('   ')).toEqual([]);
  });

  it.each([
    ['a in b', 'expected "("'],
    ['a in ()', 'empty value set'],
    ['a in (x', 'expected "," or ")"'],
    ['a b', 'unknown operator "b"'],
    ['a>1', 'unknown operator ">"'],
    ['a=b,', 'invalid label key ""'],
    ['-a=b', 'invalid label key "-a"'],
    ['a=b c', 'expected ","'],
    ['a=-b-', 'invalid label value "-b-"'],
    ['Bad_Prefix/a=b', 'invalid label key "Bad_Prefix/a"'],
  ])('rejects %j naming labelSelector (%s)', (selector, problem) => {
    let message = '';
    try {
      parseLabelSelector(selector);
    } catch (err: unknown) {
      expect((err as { code: string }).code).toBe('KEDGE_RESOURCE_INVALID');
      message = (err as Error).message;
    }
    expect(message).toMatch(/^labelSelector: /);
    expect(message).toContain(problem);
  });
});

describe('matchesLabelSelector', () => {
  const labels = { zone: 'a', tier: 'edge', empty: '' };

  it('matches equality, sets and existence as Kubernetes does', () => {
    expect(matches('zone=a', labels)).toBe(true);
    expect(matches('zone=b', labels)).toBe(false);
    expect(matches('zone!=b', labels)).toBe(true);
    expect(matches('missing!=b', labels)).toBe(true);
    expect(matches('zone in (b,a)', labels)).toBe(true);
    expect(matches('zone notin (a)', labels)).toBe(false);
    expect(matches('missing notin (a)', labels)).toBe(true);
    expect(matches('empty', labels)).toBe(true);
    expect(matches('empty=', labels)).toBe(true);
    expect(matches('!empty', labels)).toBe(false);
    expect(matches('zone=a,tier=cloud', labels)).toBe(false);
  });

  it('an empty selector matches everything, even an object without labels', () => {
    expect(matches('', undefined)).toBe(true);
    expect(matches('zone', undefined)).toBe(false);
    expect(matches('!zone', undefined)).toBe(true);
  });
});

describe('labelSelectorToString', () => {
  it('renders matchLabels and matchExpressions in a stable order that parses back', () => {
    const s = labelSelectorToString({
      matchLabels: { zone: 'a', app: 'x' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['edge', 'cloud'] },
        { key: 'gpu', operator: 'NotIn', values: ['none'] },
        { key: 'ready', operator: 'Exists' },
        { key: 'tainted', operator: 'DoesNotExist', values: [] },
      ],
    });
    expect(s).toBe('app=x,zone=a,tier in (cloud,edge),gpu notin (none),ready,!tainted');
    expect(matches(s, { app: 'x', zone: 'a', tier: 'edge', ready: '' })).toBe(true);
    expect(matches(s, { app: 'x', zone: 'a', tier: 'edge', ready: '', tainted: '' })).toBe(false);
  });

  it('an empty selector is the empty string; In without values is rejected', () => {
    expect(labelSelectorToString({})).toBe('');
    expect(() =>
      labelSelectorToString({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }),
    ).toThrow('matchExpressions[0].values: must be non-empty for In and NotIn');
  });
});
