// The container runtime's CRI endpoint as edgecore.yaml names it
// (`modules.edged.tailoredKubeletConfig.containerRuntimeEndpoint`), checked
// and turned into the gRPC target. Only unix sockets are supported, as on
// every Linux edge node; a bare absolute path is read as a unix socket.
import { KedgeError } from '@kedge/api';

const CRI_ENDPOINT_FIELD = 'modules.edged.tailoredKubeletConfig.containerRuntimeEndpoint';

export interface CriEndpoint {
  /** As configured, for messages: `unix:///run/containerd/containerd.sock`. */
  readonly endpoint: string;
  /** The socket file. */
  readonly socketPath: string;
  /** What grpc-js dials: `unix:///run/containerd/containerd.sock`. */
  readonly target: string;
}

export function parseCriEndpoint(endpoint: string): CriEndpoint {
  let path: string;
  if (endpoint.startsWith('unix://')) path = endpoint.slice('unix://'.length);
  else if (endpoint.startsWith('/')) path = endpoint;
  else {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(endpoint)?.[1];
    throw new KedgeError(
      'KEDGE_CONFIG_INVALID',
      scheme
        ? `${CRI_ENDPOINT_FIELD}: scheme ${scheme}:// is not supported; use unix:///path/to/runtime.sock`
        : `${CRI_ENDPOINT_FIELD}: ${JSON.stringify(endpoint)} is not unix:///path/to/runtime.sock`,
      { fields: [CRI_ENDPOINT_FIELD] },
    );
  }
  if (!path.startsWith('/') || path.includes('\0')) {
    throw new KedgeError(
      'KEDGE_CONFIG_INVALID',
      `${CRI_ENDPOINT_FIELD}: ${JSON.stringify(endpoint)} must name an absolute socket path (unix:///path/to/runtime.sock)`,
      { fields: [CRI_ENDPOINT_FIELD] },
    );
  }
  return { endpoint, socketPath: path, target: `unix://${path}` };
}
