import { describe, expect, it } from 'vitest';
import { hasCode, type KedgeError } from '@kedge/api';
import {
  applyConfigUpdate,
  configFieldInfo,
  configUpdateProblems,
  loadEdgeCoreConfig,
  updateEdgeCoreConfigText,
  type EdgeCoreConfig,
} from './index.ts';

const base: EdgeCoreConfig = loadEdgeCoreConfig({
  env: {},
  overrides: {
    modules: {
      edged: { hostnameOverride: 'edge-1', tailoredKubeletConfig: { clusterDNS: ['10.96.0.10'] } },
      edgeHub: { token: 'tok' },
    },
  },
});

function updateError(fields: Record<string, string>, config = base): KedgeError {
  try {
    applyConfigUpdate(config, fields);
  } catch (err: unknown) {
    return err as KedgeError;
  }
  throw new Error('expected an error');
}

describe('configFieldInfo', () => {
  it('says whether a path exists and what type it has', () => {
    expect(configFieldInfo('modules.edgeStream.enable')?.type).toBe('boolean');
    expect(configFieldInfo('modules.edgeHub.heartbeat')?.type).toBe('number');
    expect(configFieldInfo('modules.edgeHub.messageBurst')?.type).toBe('integer');
    expect(configFieldInfo('modules.edgeHub.websocket.server')?.type).toBe('string');
    expect(configFieldInfo('modules.edged.nodeLabels')?.type).toBe('map');
    expect(configFieldInfo('modules.edgeStream')?.type).toBe('object');
    expect(configFieldInfo('kind')).toMatchObject({ type: 'enum', values: ['EdgeCore'] });
    expect(configFieldInfo('modules.edgeStream.nope')).toBeUndefined();
    expect(configFieldInfo('modules.edgeStream.enable.more')).toBeUndefined();
    expect(configFieldInfo('')).toBeUndefined();
  });

  it('treats the rest of a label path as one key, dots and slashes included', () => {
    expect(configFieldInfo('modules.edged.nodeLabels.zone')).toMatchObject({
      type: 'string',
      segments: ['modules', 'edged', 'nodeLabels', 'zone'],
    });
    expect(configFieldInfo('modules.edged.nodeLabels.node-role.kubernetes.io/edge')?.segments).toEqual([
      'modules',
      'edged',
      'nodeLabels',
      'node-role.kubernetes.io/edge',
    ]);
    expect(configFieldInfo('modules.edged.nodeLabels["example.com/zone"]')?.segments).toEqual([
      'modules',
      'edged',
      'nodeLabels',
      'example.com/zone',
    ]);
    expect(configFieldInfo('modules["edged"].hostnameOverride')?.type).toBe('string');
  });

  it('understands list indices', () => {
    expect(configFieldInfo('modules.edged.tailoredKubeletConfig.clusterDNS')?.type).toBe('list');
    expect(configFieldInfo('modules.edged.tailoredKubeletConfig.clusterDNS[2]')).toMatchObject({
      type: 'string',
      segments: ['modules', 'edged', 'tailoredKubeletConfig', 'clusterDNS', 2],
    });
    expect(configFieldInfo('modules.edgeHub[0]')).toBeUndefined();
  });
});

describe('applyConfigUpdate', () => {
  it('converts each string to its field type and returns a new validated, frozen config', () => {
    const next = applyConfigUpdate(base, {
      'modules.edgeStream.enable': 'true',
      'modules.edgeHub.heartbeat': '7.5',
      'modules.edgeHub.messageBurst': '120',
      'modules.edgeHub.websocket.server': '"10.0.0.5:10000"',
      'modules.edged.nodeLabels': '{zone:east, tier:gold}',
      'modules.taskManager.enable': 'TRUE',
    });
    expect(next.modules.edgeStream.enable).toBe(true);
    expect(next.modules.edgeHub.heartbeat).toBe(7.5);
    expect(next.modules.edgeHub.messageBurst).toBe(120);
    expect(next.modules.edgeHub.websocket.server).toBe('10.0.0.5:10000');
    expect(next.modules.edged.nodeLabels).toEqual({ zone: 'east', tier: 'gold' });
    expect(next.modules.taskManager.enable).toBe(true);
    expect(Object.isFrozen(next.modules.edgeStream)).toBe(true);
    expect(base.modules.edgeStream.enable).toBe(false);
  });

  it('sets one map entry, and accepts JSON maps', () => {
    const one = applyConfigUpdate(base, { 'modules.edged.nodeLabels.example.com/zone': 'west' });
    expect(one.modules.edged.nodeLabels).toEqual({ 'example.com/zone': 'west' });
    const json = applyConfigUpdate(base, { 'modules.edged.nodeLabels': '{"a":"1","b":""}' });
    expect(json.modules.edged.nodeLabels).toEqual({ a: '1', b: '' });
  });

  it('sets and appends list items with a[i], and replaces whole lists', () => {
    const replaced = applyConfigUpdate(base, {
      'modules.edged.tailoredKubeletConfig.clusterDNS[0]': '10.0.0.53',
    });
    expect(replaced.modules.edged.tailoredKubeletConfig.clusterDNS).toEqual(['10.0.0.53']);
    const appended = applyConfigUpdate(base, {
      'modules.edged.tailoredKubeletConfig.clusterDNS[1]': '1.1.1.1',
    });
    expect(appended.modules.edged.tailoredKubeletConfig.clusterDNS).toEqual(['10.96.0.10', '1.1.1.1']);
    const whole = applyConfigUpdate(base, {
      'modules.edged.tailoredKubeletConfig.clusterDNS': '[8.8.8.8, 8.8.4.4]',
    });
    expect(whole.modules.edged.tailoredKubeletConfig.clusterDNS).toEqual(['8.8.8.8', '8.8.4.4']);
    const kubeedgeStyle = applyConfigUpdate(base, {
      'modules.edged.tailoredKubeletConfig.clusterDNS': '{9.9.9.9}',
    });
    expect(kubeedgeStyle.modules.edged.tailoredKubeletConfig.clusterDNS).toEqual(['9.9.9.9']);
  });

  it('rejects an index past the end of a list, naming the path', () => {
    const err = updateError({ 'modules.edged.tailoredKubeletConfig.clusterDNS[5]': '1.1.1.1' });
    expect(err.context.fields).toEqual([
      'modules.edged.tailoredKubeletConfig.clusterDNS[5]: index 5 is out of range (the list has 1 item; [1] appends)',
    ]);
  });

  it('names every unknown path and every value that does not fit, all at once', () => {
    const err = updateError({
      'modules.edgeStream.enabled': 'true',
      'modules.edgeHub.heartbeat': 'soon',
      'modules.edgeStream.enable': 'yes',
      'modules.edgeHub.messageBurst': '1.5',
      'modules.edgeStream': '{enable:true}',
      'modules.edged[0]': 'x',
    });
    expect(hasCode(err, 'KEDGE_CONFIG_INVALID')).toBe(true);
    expect(err.message.split('\n')[0]).toBe('config update: invalid config (6 problems):');
    expect(err.context.fields).toEqual([
      'modules.edgeStream.enabled: unknown field',
      'modules.edgeHub.heartbeat: expected number, got "soon"',
      'modules.edgeStream.enable: expected true or false, got "yes"',
      'modules.edgeHub.messageBurst: expected integer, got "1.5"',
      'modules.edgeStream: is a section; set its fields one at a time (e.g. modules.edgeStream.enable)',
      'modules.edged[0]: modules.edged is not a list',
    ]);
  });

  it('refuses "__proto__" as a map key rather than dropping it', () => {
    expect(updateError({ 'modules.edged.nodeLabels.__proto__': 'x' }).context.fields).toEqual([
      'modules.edged.nodeLabels.__proto__: "__proto__" is not allowed as a key',
    ]);
    expect(updateError({ 'modules.edged.nodeLabels': '{"__proto__":"x"}' }).context.fields).toEqual([
      'modules.edged.nodeLabels: "__proto__" is not allowed as a key',
    ]);
  });

  it('validates the result as a whole: converted values must still pass the schema', () => {
    const err = updateError({
      'modules.edged.hostnameOverride': 'Not_A_Name',
      'modules.edgeHub.heartbeat': '-1',
      'modules.edged.nodeLabels.bad key': 'v',
    });
    expect(err.context.fields).toEqual([
      'modules.edgeHub.heartbeat: must be > 0, got -1',
      'modules.edged.hostnameOverride: must be a lower-case RFC 1123 name, got "Not_A_Name"',
      `modules.edged.nodeLabels["bad key"]: label key name must be 1-63 letters, digits, '-', '_' or '.', starting and ending alphanumeric`,
    ]);
  });

  it('is a no-op when every value is already set: the same object comes back', () => {
    const same = applyConfigUpdate(base, {
      'modules.edgeStream.enable': 'false',
      'modules.edgeHub.heartbeat': '15',
      'modules.edged.tailoredKubeletConfig.clusterDNS[0]': '10.96.0.10',
    });
    expect(same).toBe(base);
    expect(applyConfigUpdate(base, {})).toBe(base);
  });
});

describe('configUpdateProblems (admission, no node config needed)', () => {
  it('accepts good fields and names each bad one', () => {
    expect(
      configUpdateProblems({ 'modules.edgeStream.enable': 'true', 'modules.edged.nodeLabels.zone': 'a' }),
    ).toEqual([]);
    expect(
      configUpdateProblems({
        'modules.nope': '1',
        'modules.edgeStream.server': 'no-port',
        'modules.edgeHub.heartbeat': '0',
        'modules.edged.tailoredKubeletConfig.clusterDNS': '["", "1.1.1.1"]',
      }),
    ).toEqual([
      'modules.nope: unknown field',
      'modules.edgeStream.server: expected host:port, got "no-port"',
      'modules.edgeHub.heartbeat: must be > 0, got 0',
      'modules.edged.tailoredKubeletConfig.clusterDNS[0]: must not be empty',
    ]);
  });
});

describe('updateEdgeCoreConfigText', () => {
  const text = [
    '# my edge node',
    'modules:',
    '  edged:',
    '    hostnameOverride: edge-7 # keep me',
    '  edgeHub:',
    '    heartbeat: 10',
    '',
  ].join('\n');
  const env = { KEDGE_EDGE_TOKEN: 'from-env' };

  it('edits only the named fields, keeps comments, and never writes env values into the file', () => {
    const result = updateEdgeCoreConfigText({
      text,
      file: 'edgecore.yaml',
      env,
      updateFields: { 'modules.edgeStream.enable': 'true', 'modules.edgeHub.heartbeat': '20' },
    });
    expect(result.changed).toBe(true);
    expect(result.text).toContain('# my edge node');
    expect(result.text).toContain('hostnameOverride: edge-7 # keep me');
    expect(result.text).toContain('heartbeat: 20');
    expect(result.text).not.toContain('from-env');
    expect(result.config.modules.edgeStream.enable).toBe(true);
    expect(result.config.modules.edgeHub.token).toBe('from-env');
    expect(loadEdgeCoreConfig({ text: result.text, env })).toEqual(result.config);
  });

  it('writes a whole list when an item of a list the file does not have is set', () => {
    const result = updateEdgeCoreConfigText({
      text,
      file: 'edgecore.yaml',
      env,
      updateFields: { 'modules.edged.tailoredKubeletConfig.clusterDNS[0]': '10.0.0.10' },
    });
    expect(result.config.modules.edged.tailoredKubeletConfig.clusterDNS).toEqual(['10.0.0.10']);
  });

  it('reports no change (and returns the text untouched) when values are already set', () => {
    const result = updateEdgeCoreConfigText({
      text,
      file: 'edgecore.yaml',
      env,
      updateFields: { 'modules.edgeHub.heartbeat': '10' },
    });
    expect(result).toMatchObject({ changed: false, text });
  });

  it('refuses to change a field this node sets through an env var', () => {
    expect(() =>
      updateEdgeCoreConfigText({
        text,
        file: 'edgecore.yaml',
        env,
        updateFields: { 'modules.edgeHub.token': 'new' },
      }),
    ).toThrow(/modules\.edgeHub\.token: set by \$KEDGE_EDGE_TOKEN on this node/);
  });
});
