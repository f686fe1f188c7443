// The edgecore.yaml keadm join writes: edgecore's defaults (with a comment
// per field, as `edgecore --defaultconfig` prints them) plus the node name,
// its token and the cloudcore address(es). Checked with edgecore's own loader
// before anything is written, so a bad flag never leaves a config that
// edgecore refuses at start.
import { KedgeError, errorMessage } from '@kedge/api';
import {
  defaultEdgeCoreConfig,
  loadEdgeCoreConfig,
  renderEdgeCoreConfig,
  updateEdgeCoreConfigText,
} from '@kedge/edgecore';

export interface JoinConfigOptions {
  nodeName: string;
  token: string;
  /** cloudcore addresses (host:port or ws:// / wss:// URLs): the first, then replicas to fail over to. */
  cloudcore: readonly string[];
  /** modules.edged.nodeLabels. */
  labels?: Readonly<Record<string, string>>;
  /**
   * Certificates mode (the default): cloudcore's bootstrap port; the node joins with the token at
   * https://<first cloudcore host>:<certPort> and is known by its client certificate. Undefined =
   * token mode (plain ws://, the demo).
   */
  certPort?: number | undefined;
  /** `--set` fields (json paths, KubeEdge's value syntax) applied last, e.g. modules.taskManager.enable=true. */
  set?: Readonly<Record<string, string>>;
}

/** edgecore.yaml text for a joining node; KEDGE_CLI_USAGE naming the flag when a value is refused. */
export function renderJoinConfig(o: JoinConfigOptions): string {
  const [server, ...more] = o.cloudcore;
  if (server === undefined) {
    throw new KedgeError('KEDGE_CLI_USAGE', '--cloudcore-ipport: required', {
      fields: ['--cloudcore-ipport'],
    });
  }
  const config = defaultEdgeCoreConfig();
  config.modules.edgeHub.token = o.token;
  if (o.certPort === undefined) {
    config.modules.edgeHub.httpServer = '';
    config.modules.edgeHub.tlsCaFile = '';
    config.modules.edgeHub.tlsCertFile = '';
    config.modules.edgeHub.tlsPrivateKeyFile = '';
  } else {
    config.modules.edgeHub.httpServer = `https://${hostOf(server)}:${o.certPort}`;
  }
  config.modules.edgeHub.websocket.server = server;
  // the first is dialled first; the others are the replicas to fail over to, in turn
  config.modules.edgeHub.websocket.servers = more;
  config.modules.edged.hostnameOverride = o.nodeName;
  config.modules.edged.nodeLabels = { ...(o.labels ?? {}) };
  const text = renderEdgeCoreConfig(config);
  try {
    loadEdgeCoreConfig({ file: 'edgecore.yaml', text, env: {} });
  } catch (err: unknown) {
    throw new KedgeError('KEDGE_CLI_USAGE', flagNames(errorMessage(err)), {}, { cause: err });
  }
  if (!o.set || Object.keys(o.set).length === 0) return text;
  try {
    return updateEdgeCoreConfigText({ text, file: 'edgecore.yaml', updateFields: o.set, env: {} }).text;
  } catch (err: unknown) {
    throw new KedgeError(
      'KEDGE_CLI_USAGE',
      `--set: ${errorMessage(err)}`,
      { fields: ['--set'] },
      { cause: err },
    );
  }
}

/** The host of a cloudcore address (host:port, [v6]:port or a ws:// / wss:// URL). */
function hostOf(address: string): string {
  if (/^wss?:\/\//.test(address)) return new URL(address).host.replace(/:\d+$/, '');
  return address.replace(/:\d+$/, '');
}

/** Config paths in edgecore's message, as the flags that set them. */
function flagNames(message: string): string {
  return message
    .replaceAll(/modules\.edgeHub\.websocket\.servers?(\.\d+|\[\d+\])?/g, '--cloudcore-ipport')
    .replaceAll('modules.edgeHub.token', '--token')
    .replaceAll('modules.edgeHub.httpServer', '--certport')
    .replaceAll('modules.edged.hostnameOverride', '--node-name')
    .replaceAll('modules.edged.nodeLabels', '--labels')
    .replaceAll(/ \(line \d+\)/g, '');
}
