// One error type for all of kedge: a stable `code` that callers check, the
// context a reader needs (node, job, action, resource, file, field) and the
// cause. Codes are listed once, in ERROR_CODES, with what they mean.

export const ERROR_CODES = {
  KEDGE_CONFIG_INVALID: 'A config file or flag failed validation; the message lists every `path: problem`.',
  KEDGE_CONFIG_UNREADABLE: 'A config file could not be read or is not valid YAML.',
  KEDGE_RESOURCE_INVALID: 'An object failed its schema; the message names each bad field.',
  KEDGE_RESOURCE_UNKNOWN_KIND: 'An object names an apiVersion/kind kedge does not serve.',
  KEDGE_WORKLOAD_KIND_UNSUPPORTED:
    'A manifest names a Kubernetes workload kind kedge does not run (StatefulSet, DaemonSet, Job, CronJob, ReplicationController); use a Deployment (docs/workloads.md).',
  KEDGE_EDGEAPP_RENDER_FAILED:
    'An EdgeApplication manifest or overrider cannot be rendered for a target (bad image, predicate path, namespace, kind or label target); that object is left as it was.',
  KEDGE_STORE_CONFLICT: 'A write carried a stale resourceVersion; re-read and retry.',
  KEDGE_STORE_NOT_FOUND: 'The object does not exist.',
  KEDGE_STORE_ALREADY_EXISTS: 'An object with that name already exists.',
  KEDGE_STORE_EXPIRED: 'A watch asked for a resourceVersion older than the change log keeps; relist.',
  KEDGE_STORE_UNAVAILABLE: 'The backing store could not be reached or failed.',
  KEDGE_STORE_FORBIDDEN: 'The store refused the request for lack of permission.',
  KEDGE_WIRE_MALFORMED: 'A tunnel frame was not a valid message.',
  KEDGE_WIRE_OVERSIZE: 'A tunnel frame exceeded the size limit.',
  KEDGE_WIRE_IMPERSONATION: 'A node sent a message about another node.',
  KEDGE_AUTH_REJECTED: 'A node connection presented no or a wrong credential.',
  KEDGE_AUTH_TOKEN_EXPIRED:
    'A join token is past its expiry (`exp`); the node cannot get a certificate with it.',
  KEDGE_AUTH_TOKEN_INVALID: 'A join token is malformed or not signed by this cloud.',
  KEDGE_AUTH_CA_MISMATCH:
    "The CA the cloud served does not hash to the join token's first part; the edge refuses to trust it.",
  KEDGE_AUTH_NODE_REVOKED:
    'The node was revoked (`keadm revoke`) or its Node deleted; certificates and tokens from before that are refused.',
  KEDGE_AUTH_CSR_INVALID:
    'A certificate request is malformed, not self-signed, or names another CN than `system:node:<NodeName>`.',
  KEDGE_AUTH_NODE_NAME_INVALID:
    'A node connection named no node, or a `node_id` that is not a valid node name (DNS-1123 subdomain, at most 253 characters).',
  KEDGE_WIRE_ROUTE_UNKNOWN:
    'A node sent a message on a route CloudHub does not know, so it cannot tell which node it speaks for; refused.',
  KEDGE_WIRE_RATE_LIMITED:
    'A node sent upstream messages faster than its rate limit (cloudhub.nodeQPS / nodeBurst); the excess is refused.',
  KEDGE_NODE_LABEL_REFUSED:
    'A node asked to set a label on its own Node that it may not set (reserved key, admin-owned, invalid, or over the bounds); the label is dropped.',
  KEDGE_NODE_FORBIDDEN:
    'A node asked for an object no pod bound to it uses (the node authorizer rule); refused and logged.',
  KEDGE_EVENT_INVALID: 'A node reported an Event that failed its schema or a size limit; it is not stored.',
  KEDGE_EVENT_OUT_OF_SCOPE:
    'A node reported an Event about an object that is not itself or on it; it is not stored.',
  KEDGE_HUB_CONNECT_FAILED:
    'An edge node could not reach cloudcore (the tunnel, or the certificate service on cloudHub.https): no connection, an HTTP answer instead of the tunnel, a refused registration, or no answer in time; the message says which.',
  KEDGE_BUS_TIMEOUT: 'A synchronous bus send got no reply in time.',
  KEDGE_BUS_NO_MODULE: 'A bus message was addressed to a module or group that is not registered.',
  KEDGE_BUS_STOPPED: 'The bus or module is stopped.',
  KEDGE_TASK_INVALID: 'A node task message or spec is invalid.',
  KEDGE_TASK_ACTION_FAILED: 'A node task action failed; the reason says why.',
  KEDGE_TASK_MODULE_DISABLED:
    'A node refused a node task because its taskManager module is disabled (modules.taskManager.enable: false).',
  KEDGE_TASK_MODE_MISMATCH:
    'A job belongs to the other node task API (v1alpha1 or v1alpha2) than the one the cloud processes run (feature gate disableNodeTaskV1alpha2).',
  KEDGE_TASK_SECRET_FORBIDDEN:
    'An ImagePrePullJob names a pull Secret in a namespace the cloud is not configured to read pull secrets from.',
  KEDGE_INTERNAL: 'An unexpected internal error.',
  KEDGE_CLI_USAGE: 'A command line named an unknown command, flag or resource type, or missed an argument.',
  KEDGE_LOGS_FORBIDDEN: 'A logs request named a pod that is not bound to the node it was sent to.',
  KEDGE_LOGS_BAD_REQUEST:
    'A logs request is malformed or names no container of a multi-container pod, or one the pod does not have.',
  KEDGE_LOGS_NODE_UNREACHABLE:
    "The pod's node is not connected to this cloudcore, or disconnected during a logs stream.",
  KEDGE_LOGS_SLOW_READER:
    'A logs reader fell too far behind the node; cloudcore closed the stream rather than buffer more.',
  KEDGE_LOGS_NOT_FOUND: 'The container has no log yet (it has not started).',
  KEDGE_LOGS_POD_NOT_FOUND: 'A logs request named a pod that does not exist in the store.',
  KEDGE_LOGS_POD_NOT_BOUND: 'A logs request named a pod that is not bound to a node yet (no spec.nodeName).',
  KEDGE_LOGS_CONTAINER_NOT_FOUND:
    'A logs request named a container the pod does not have, or none for a pod with several; the message lists its containers.',
  KEDGE_LOGS_UNAUTHORIZED: "A request to cloudcore's logs endpoint carried no valid bearer token.",
  KEDGE_CLI_ROLLOUT_TIMEOUT:
    '`kedgectl rollout status --timeout` ran out before the Deployment finished rolling out.',
  KEDGE_CLI_ROLLOUT_FAILED:
    'A Deployment exceeded its progressDeadlineSeconds, or was deleted, while `kedgectl rollout status` waited.',
  KEDGE_MANIFEST_UNREADABLE:
    'A manifest file could not be read or is not valid YAML/JSON; the message names file and line.',
  KEDGE_TEST_TIMEOUT: 'A test helper waited longer than its timeout; the message says what it waited for.',
  KEDGE_TEST_PROCESS_EXITED:
    'A process started by a test exited before the output the test waited for appeared.',
  KEDGE_LISTEN_FAILED: 'A server could not bind its configured address (in use, or not permitted).',
  KEDGE_METASERVER_HOST_FORBIDDEN:
    'A request to the edge metaServer named a Host that is not its loopback address and port (DNS rebinding).',
  KEDGE_METASERVER_ORIGIN_FORBIDDEN:
    'A request to the edge metaServer came from a web page of another origin.',
  KEDGE_METASERVER_UNSUPPORTED_MEDIA_TYPE:
    'A write to the edge metaServer did not send `Content-Type: application/json`.',
  KEDGE_METASERVER_UNAUTHORIZED:
    'An edge metaServer route that confirms upgrades or serves Secrets was called without the current bearer token.',
  KEDGE_OCI_REF_INVALID:
    'An image reference could not be parsed; the message names the reference and the problem.',
  KEDGE_OCI_REGISTRY_ERROR:
    'A registry request failed or got an unexpected HTTP status; the message names registry, repository and status.',
  KEDGE_OCI_AUTH_FAILED:
    'A registry (or its token service) wanted credentials that were missing or rejected.',
  KEDGE_OCI_NOT_FOUND: 'The registry has no such repository, tag, manifest or blob (HTTP 404).',
  KEDGE_OCI_MANIFEST_INVALID:
    'A manifest or index was malformed, too large, or of a media type kedge does not handle.',
  KEDGE_OCI_PLATFORM_MISSING:
    'An image has nothing for the wanted os/architecture (its index lacks it, or it was built for another).',
  KEDGE_OCI_DIGEST_MISMATCH:
    'Content from a registry did not hash to the digest it was asked or expected to have.',
  KEDGE_OCI_UNSAFE_ARCHIVE:
    'A layer archive holds an entry kedge refuses to unpack (absolute path, `..`, link leaving the target, device).',
  KEDGE_OCI_RELEASE_TOO_LARGE:
    'A release image would unpack to more bytes or entries than the unpack limits allow (a gzip bomb, or a wrong image).',
  KEDGE_RELEASE_SIGNATURE_INVALID:
    'A node configured with a release public key found no signature of the pinned release digest, or one that does not verify.',
  KEDGE_RELEASE_UNPINNED:
    'A NodeUpgradeJob release has no pinned digest: the cloud could not resolve the image when the job started, or the node got no digest.',
  KEDGE_OCI_UNPACK_FAILED:
    'Packing or unpacking a release archive failed (tar error, target already exists).',
  KEDGE_TEST_TOOL_MISSING:
    'A test helper needs a system tool that is not installed; the message names the package.',
  KEDGE_INSTALL_LOCKED:
    'Another install operation (a keadm edge command, a node task action or the launcher) holds the install lock.',
  KEDGE_INSTALL_INVALID:
    'An install root, release, backup or marker is missing or malformed; the message names the file or version.',
  KEDGE_INSTALL_FAILED: 'A file-system step of an install operation (stage, switch, backup, restore) failed.',
  KEDGE_CRI_UNAVAILABLE:
    'The container runtime could not be reached on its CRI socket; the message names the socket.',
  KEDGE_CRI_ERROR:
    'A CRI call to the container runtime failed; the message names the socket, the call and the gRPC status.',
  KEDGE_SERVICE_IP_EXHAUSTED:
    'The embedded endpointslice controller found no free ClusterIP left in the service CIDR for a Service.',
  KEDGE_PROXY_RULES_FAILED:
    "The edge service proxy could not install a node's Service rules (iptables-restore failed); the message has its stderr.",
  KEDGE_KUBECTL_FAILED:
    'kubectl, run by keadm, was not found or exited non-zero; the message has the command and its stderr.',
  KEDGE_HTTP_BAD_REQUEST: 'An HTTP API request had a malformed path, query or body; the message names it.',
  KEDGE_HTTP_NOT_FOUND: 'An HTTP API request named a route that does not exist.',
  KEDGE_HTTP_METHOD_NOT_ALLOWED: 'An HTTP API route was called with a method it does not serve.',
  KEDGE_HTTP_HOST_FORBIDDEN:
    'An HTTP request carried a Host header that is not the address the server is bound to or a configured name (DNS rebinding).',
  KEDGE_HTTP_ORIGIN_FORBIDDEN:
    'A state-changing HTTP request came from another origin (a web page elsewhere).',
  KEDGE_HTTP_UNSUPPORTED_MEDIA_TYPE:
    'A state-changing HTTP request did not send `Content-Type: application/json`.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorContext {
  node?: string;
  job?: string;
  action?: string;
  resource?: string;
  file?: string;
  fields?: string[];
  [key: string]: unknown;
}

export class KedgeError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KedgeError';
    this.code = code;
    this.context = context;
  }
}

/** True when `err` carries one of kedge's codes (a KedgeError from any copy of this module). */
export function isKedgeError(err: unknown): err is KedgeError {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** The error's code, or KEDGE_INTERNAL for anything that is not a KedgeError. */
export function errorCodeOf(err: unknown): ErrorCode {
  return isKedgeError(err) ? err.code : 'KEDGE_INTERNAL';
}

/** True when `err` is a KedgeError (from any copy of this module) with `code`. */
export function hasCode(err: unknown, code: ErrorCode): err is KedgeError {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** Message of any thrown value, for reasons and logs. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
