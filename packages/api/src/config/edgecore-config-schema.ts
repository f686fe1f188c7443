// edgecore.yaml: schema (the one source of the type, the validation and the
// comments in the reference config) and defaults. Field names follow
// KubeEdge's EdgeCore v1alpha2 config; durations are in seconds. Pure zod, so
// that the store can check a ConfigUpdateJob's updateFields against it;
// @kedge/edgecore re-exports it and adds loading and rendering.
import { z } from 'zod';
import { NAME_PATTERN } from '../resources/meta.ts';
import { hostPortProblem, labelProblems } from './config-checks.ts';
import { secondsField, valueAt, whenObject } from './schema-helpers.ts';

const EDGECORE_API_VERSION = 'edgecore.config.kubeedge.io/v1alpha2';
const EDGECORE_KIND = 'EdgeCore';

const seconds = secondsField;
const enable = (what: string) => z.boolean().describe(`run ${what}`);
const hostPort = (what: string) =>
  z
    .string()
    .superRefine((v, ctx) => {
      const problem = hostPortProblem(v, false);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(what);

const WebsocketSchema = z
  .strictObject({
    enable: z.boolean().describe('use the WebSocket transport (the only one kedge has)'),
    server: z
      .string()
      .superRefine((v, ctx) => {
        const problem = hostPortProblem(v, true);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe('cloudcore address: host:port, or ws:// / wss:// URL'),
    servers: z
      .array(
        z.string().superRefine((v, ctx) => {
          const problem = hostPortProblem(v, true);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      )
      .describe(
        'more cloudcore replicas to fail over to: server is dialled first, then these in turn after a failed attempt',
      ),
    handshakeTimeout: seconds('time allowed to open the connection'),
    maxMessageBytes: z.number().int().positive().describe('largest frame accepted or sent'),
  })
  .describe('connection to cloudcore');

const EdgeHubSchema = z
  .strictObject({
    enable: enable('the cloud connection'),
    heartbeat: seconds('interval between keepalives'),
    projectID: z.string().min(1).describe('sent as the project_id header'),
    token: z
      .string()
      .describe(
        'join token `<ca-hash>.<jwt>` from `keadm gettoken` (or $KEDGE_EDGE_TOKEN); token mode: the node token',
      ),
    httpServer: z
      .string()
      .describe(
        "cloudcore's certificate bootstrap server (https://host:10002): the node joins with the token and is known " +
          'by its client certificate; empty = token mode (the demo: the token itself is the credential)',
      ),
    rotateCertificates: z.boolean().describe('renew the client certificate at 70-90% of its lifetime'),
    tlsCaFile: z
      .string()
      .describe(
        'cloud CA: with httpServer, downloaded there and checked against the token; else empty = system CAs',
      ),
    tlsCertFile: z.string().describe('client certificate (with httpServer: written there by the join)'),
    tlsPrivateKeyFile: z.string().describe('client key, 0600 (with tlsCertFile)'),
    messageQPS: z.number().positive().describe('upstream messages per second'),
    messageBurst: z.number().int().positive().describe('upstream burst'),
    reconnect: z
      .strictObject({
        initialDelay: seconds('first delay after a drop'),
        maxDelay: seconds('longest delay; doubles with jitter up to this'),
      })
      .superRefine((r, ctx) => {
        const initial = valueAt(r, ['initialDelay']);
        const max = valueAt(r, ['maxDelay']);
        if (typeof initial === 'number' && typeof max === 'number' && initial > max) {
          ctx.addIssue({
            code: 'custom',
            path: ['maxDelay'],
            message: `must be >= initialDelay (${initial})`,
          });
        }
      }, whenObject)
      .describe('reconnect backoff'),
    websocket: WebsocketSchema,
  })
  .superRefine((hub, ctx) => {
    if (valueAt(hub, ['enable']) !== true) return;
    if (valueAt(hub, ['token']) === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'required when edgeHub is enabled (or set $KEDGE_EDGE_TOKEN)',
      });
    }
    if (valueAt(hub, ['websocket', 'enable']) === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['websocket', 'enable'],
        message: 'must be true when edgeHub is enabled',
      });
    }
    const cert = valueAt(hub, ['tlsCertFile']);
    const key = valueAt(hub, ['tlsPrivateKeyFile']);
    if (cert === '' && typeof key === 'string' && key !== '') {
      ctx.addIssue({
        code: 'custom',
        path: ['tlsCertFile'],
        message: 'required when tlsPrivateKeyFile is set',
      });
    }
    if (key === '' && typeof cert === 'string' && cert !== '') {
      ctx.addIssue({
        code: 'custom',
        path: ['tlsPrivateKeyFile'],
        message: 'required when tlsCertFile is set',
      });
    }
    const httpServer = valueAt(hub, ['httpServer']);
    if (typeof httpServer === 'string' && httpServer !== '') {
      if (!/^https:\/\/[^/\s]+(:\d+)?\/?$/.test(httpServer)) {
        ctx.addIssue({ code: 'custom', path: ['httpServer'], message: 'expected https://host:port' });
      }
      for (const field of ['tlsCaFile', 'tlsCertFile', 'tlsPrivateKeyFile'] as const) {
        if (valueAt(hub, [field]) === '')
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: 'required with httpServer (where the join writes it)',
          });
      }
    }
  }, whenObject)
  .describe('the tunnel to cloudcore');

const absolutePath = (what: string) =>
  z
    .string()
    .refine((v) => v.startsWith('/'), { message: 'must be an absolute path' })
    .describe(what);

const EdgedSchema = z
  .strictObject({
    enable: enable("edged: the node's pods on containerd through CRI (needs podCIDR)"),
    podCIDR: z
      .string()
      .refine((v) => v === '' || /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(v), {
        message: 'must be an IPv4 CIDR (a.b.c.d/n)',
      })
      .describe("this node's pod range, bridged by CNI (required with enable)"),
    rootDirectory: absolutePath("pods' volume directories live under <rootDirectory>/pods"),
    secretsDirectory: absolutePath('secret volumes (point it at a tmpfs)'),
    podLogsRoot: absolutePath('CRI container logs, <podLogsRoot>/<ns>_<pod>_<uid>/<container>/'),
    cgroupRoot: z.string().describe("cgroupfs parent of the pods' cgroups ('' for the runtime's default)"),
    podSandboxImage: z
      .string()
      .describe("pause image; pulled at start when the runtime lacks it ('' for the runtime's own)"),
    cniBinDir: absolutePath('CNI plugin binaries (what containerd is configured with)'),
    cniConfDir: absolutePath('where edged writes the pod network config (containerd cni.conf_dir)'),
    allowedHostPaths: z
      .array(absolutePath('host path prefix'))
      .describe('hostPath volumes are allowed only under these prefixes (none by default)'),
    hostnameOverride: z
      .string()
      .superRefine((name, ctx) => {
        if (name === '')
          ctx.addIssue({ code: 'custom', message: 'required: the node name (or set $KEDGE_NODE_NAME)' });
        else if (name.length > 253 || !NAME_PATTERN.test(name)) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a lower-case RFC 1123 name, got ${JSON.stringify(name)}`,
          });
        }
      })
      .describe('node name'),
    nodeLabels: z
      .record(z.string(), z.string())
      .superRefine((labels, ctx) => {
        for (const [key, value] of Object.entries(labels)) {
          for (const message of labelProblems(key, value))
            ctx.addIssue({ code: 'custom', path: [key], message });
        }
      })
      .describe('extra labels for the Node'),
    tailoredKubeletConfig: z
      .strictObject({
        containerRuntimeEndpoint: z.string().min(1).describe('CRI socket'),
        clusterDNS: z.array(z.string().min(1)).describe('DNS servers for pods'),
      })
      .describe('the kubelet settings kedge uses'),
  })
  .superRefine((edged, ctx) => {
    if (valueAt(edged, ['enable']) === true && valueAt(edged, ['podCIDR']) === '')
      ctx.addIssue({ code: 'custom', path: ['podCIDR'], message: 'required with enable' });
  }, whenObject)
  .describe('the node agent');

const MetaManagerSchema = z
  .strictObject({
    enable: enable('the local metadata cache'),
    metaServer: z
      .strictObject({
        enable: enable('the local list/watch server'),
        server: hostPort('listen address (host:port)'),
      })
      .describe('Kubernetes-style API for pods on this node'),
  })
  .describe('caches cloud objects in the local database');

const EdgeStreamSchema = z
  .strictObject({
    enable: enable('the log/exec stream tunnel'),
    server: hostPort('cloud stream tunnel address (host:port)'),
    handshakeTimeout: seconds('time allowed to open the tunnel'),
  })
  .describe('log and exec stream tunnel');

const ServiceProxySchema = z
  .strictObject({
    enable: enable(
      "the service proxy: pods reach a Service's cluster IP and port, balanced over the endpoints this node was sent",
    ),
    netnsPath: z
      .string()
      .refine((v) => v === '' || v.startsWith('/'), { message: 'must be an absolute path or empty' })
      .describe(
        "network namespace holding the pods' CNI bridge, where the rules go ('' = edgecore's own, the usual case)",
      ),
    dns: z
      .strictObject({
        enable: enable(
          'the Service name responder: <service>.<namespace>.svc.cluster.local -> cluster IP (point tailoredKubeletConfig.clusterDNS at it)',
        ),
        listen: hostPort(
          "UDP address it answers on, inside netnsPath when set: the address in clusterDNS (a wildcard host answers from another source address, which pods' resolvers drop)",
        ),
      })
      .describe("DNS for Services' names"),
  })
  .describe('Service cluster IPs on this node (iptables DNAT, as kube-proxy)');

export const EdgeCoreConfigSchema = z.strictObject({
  apiVersion: z.literal(EDGECORE_API_VERSION),
  kind: z.literal(EDGECORE_KIND),
  database: z
    .strictObject({ dataSource: z.string().min(1).describe('SQLite file for metadata and task state') })
    .describe('local database'),
  modules: z
    .strictObject({
      edgeHub: EdgeHubSchema,
      edged: EdgedSchema,
      metaManager: MetaManagerSchema,
      taskManager: z
        .strictObject({
          enable: enable('node tasks (upgrade, image pre-pull, config update)'),
          healthTimeout: seconds('time a new version or config has to come up healthy and connected'),
          defaultImage: z.string().describe('release image repository when a NodeUpgradeJob sets no image'),
          registry: z
            .strictObject({
              username: z.string().describe('registry user for release pulls (empty = anonymous)'),
              passwordFile: z.string().describe('file holding the registry password'),
              insecure: z.boolean().describe('plain http to the registry (always allowed for loopback)'),
            })
            .describe('access to the release registry'),
          checkLimits: z
            .strictObject({
              cpu: z.number().min(0).max(100).describe('highest CPU use (%) the cpu check accepts'),
              mem: z.number().min(0).max(100).describe('highest memory use (%) the mem check accepts'),
              disk: z.number().min(0).max(100).describe('highest disk use (%) the disk check accepts'),
            })
            .describe('thresholds of the Check action items'),
          releasePublicKeyFile: z
            .string()
            .describe(
              'PEM public key (ed25519 or ECDSA): when set, a release is installed only with a signature of its ' +
                'pinned digest that this key verifies (<repo>:sha256-<hex>.sig); empty = no signature needed',
            ),
          releaseLimits: z
            .strictObject({
              maxBytes: z
                .number()
                .int()
                .positive()
                .describe(
                  'largest total size (bytes) an upgrade release may unpack to (KEDGE_OCI_RELEASE_TOO_LARGE)',
                ),
              maxFiles: z
                .number()
                .int()
                .positive()
                .describe('most entries (files, directories, links) an upgrade release may unpack to'),
            })
            .describe(
              'caps on what an upgrade release unpacks to, checked before anything is written (gzip bombs)',
            ),
        })
        .describe('runs node tasks sent by the cloud'),
      edgeStream: EdgeStreamSchema,
      serviceProxy: ServiceProxySchema,
    })
    .describe('edgecore modules'),
});

export type EdgeCoreConfig = z.infer<typeof EdgeCoreConfigSchema>;

/** A fresh, mutable copy of the defaults (not valid alone: node name and token are empty). */
export function defaultEdgeCoreConfig(): EdgeCoreConfig {
  return {
    apiVersion: EDGECORE_API_VERSION,
    kind: EDGECORE_KIND,
    database: { dataSource: '/var/lib/kubeedge/edgecore.db' },
    modules: {
      edgeHub: {
        enable: true,
        heartbeat: 15,
        projectID: 'e632aba927ea4ac2b575ec1603d56f10',
        token: '',
        httpServer: 'https://127.0.0.1:10002',
        rotateCertificates: true,
        tlsCaFile: '/etc/kedge/ca/rootCA.crt',
        tlsCertFile: '/etc/kedge/certs/server.crt',
        tlsPrivateKeyFile: '/etc/kedge/certs/server.key',
        messageQPS: 30,
        messageBurst: 60,
        reconnect: { initialDelay: 1, maxDelay: 30 },
        websocket: {
          enable: true,
          server: '127.0.0.1:10000',
          servers: [],
          handshakeTimeout: 30,
          maxMessageBytes: 1048576,
        },
      },
      edged: {
        enable: false,
        podCIDR: '',
        rootDirectory: '/var/lib/kedge/edged',
        secretsDirectory: '/run/kedge/secrets',
        podLogsRoot: '/var/log/pods',
        cgroupRoot: '',
        podSandboxImage: '',
        cniBinDir: '/usr/lib/cni',
        cniConfDir: '/etc/cni/net.d',
        allowedHostPaths: [],
        hostnameOverride: '',
        nodeLabels: {},
        tailoredKubeletConfig: {
          containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
          clusterDNS: [],
        },
      },
      metaManager: { enable: true, metaServer: { enable: true, server: '127.0.0.1:10550' } },
      taskManager: {
        enable: false,
        healthTimeout: 120,
        defaultImage: '',
        registry: { username: '', passwordFile: '', insecure: false },
        checkLimits: { cpu: 80, mem: 80, disk: 80 },
        releasePublicKeyFile: '',
        releaseLimits: { maxBytes: 256 * 1024 * 1024, maxFiles: 10_000 },
      },
      edgeStream: { enable: false, server: '127.0.0.1:10004', handshakeTimeout: 30 },
      serviceProxy: { enable: false, netnsPath: '', dns: { enable: false, listen: '0.0.0.0:53' } },
    },
  };
}
