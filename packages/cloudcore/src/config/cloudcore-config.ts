// cloudcore.yaml: schema (the one source of the type, the validation and the
// comments in the reference config) and defaults. Field names follow
// KubeEdge's CloudCore v1alpha2 config; durations are in seconds.
import { isIP } from 'node:net';
import { z } from 'zod';
import {
  DEFAULT_IMAGE_SECRET_NAMESPACES,
  FeatureGatesSchema,
  secondsField,
  valueAt,
  whenObject,
} from '@kedge/api';
import { StoreConfigSchema, defaultStoreConfig } from '@kedge/store';
import { DEFAULT_CLOUD_CA_FILE, DEFAULT_TOKEN_SECRET_FILE } from '@kedge/tokens';

const CLOUDCORE_API_VERSION = 'cloudcore.config.kubeedge.io/v1alpha2';
const CLOUDCORE_KIND = 'CloudCore';

const seconds = secondsField;
const port = (what: string) => z.number().int().min(0).max(65535).describe(what);

const CloudHubSchema = z
  .strictObject({
    enable: z.boolean().describe('accept edge node connections'),
    replicaId: z.string().describe('this replica in node ownership records; empty = <hostname>-<port>'),
    advertiseAddress: z
      .array(
        z.string().superRefine((ip, ctx) => {
          if (isIP(ip) === 0)
            ctx.addIssue({ code: 'custom', message: `expected an IP address, got ${JSON.stringify(ip)}` });
        }),
      )
      .min(1)
      .describe('IPs edge nodes use to reach this replica'),
    nodeLimit: z.number().int().positive().describe('most edge nodes connected at once; more are refused'),
    keepaliveTimeout: seconds('drop a session with no keepalive for this long'),
    nodeStatusUpdateFrequency: seconds('interval between heartbeat writes per node'),
    nodeLease: z
      .strictObject({
        enable: z
          .union([z.boolean(), z.literal('auto')])
          .describe(
            'renew a Lease kube-node-lease/<node> for each connected node, the heartbeat kube-controller-manager reads; ' +
              'auto = on with the kubernetes store, off with sqlite (nothing reads it there)',
          ),
        durationSeconds: z
          .number()
          .int()
          .min(4)
          .describe("the Lease's leaseDurationSeconds (kubelet: 40); renewed every quarter of it"),
      })
      .describe('node Leases (cluster mode: kube-controller-manager node lifecycle)'),
    maxMessageBytes: z.number().int().positive().describe('largest frame accepted or sent'),
    nodeMessageQPS: z
      .number()
      .positive()
      .describe('upstream messages per second one node may send (KubeEdge: 30); the excess is refused'),
    nodeMessageBurst: z
      .number()
      .int()
      .positive()
      .describe('upstream messages one node may send at once (KubeEdge: 60)'),
    websocket: z
      .strictObject({
        enable: z.boolean().describe('serve the WebSocket transport'),
        address: z.string().min(1).describe('listen address'),
        port: port('listen port; 0 = any free port (logged at start)'),
      })
      .describe('WebSocket server for edge nodes'),
    tls: z
      .strictObject({
        enable: z.boolean().describe('serve wss:// instead of ws://'),
        caFile: z.string().describe('the cloud CA certificate (PEM); with caKeyFile, created on first start'),
        caKeyFile: z
          .string()
          .describe(
            'the cloud CA key: set = nodes join with a token and a CSR and are known by their client certificate; ' +
              'empty = the token mode of the demo (no client certificates)',
          ),
        certFile: z
          .string()
          .describe('server certificate; empty with caKeyFile = signed by the cloud CA at start'),
        keyFile: z.string().describe('server key (with certFile)'),
      })
      .superRefine((tls, ctx) => {
        if (valueAt(tls, ['enable']) !== true) return;
        const fromCa = valueAt(tls, ['caKeyFile']) !== '';
        if (fromCa && valueAt(tls, ['caFile']) === '')
          ctx.addIssue({ code: 'custom', path: ['caFile'], message: 'required when caKeyFile is set' });
        for (const field of ['certFile', 'keyFile'] as const) {
          if (!fromCa && valueAt(tls, [field]) === '')
            ctx.addIssue({
              code: 'custom',
              path: [field],
              message: 'required when tls is enabled without caKeyFile',
            });
        }
        if (fromCa && (valueAt(tls, ['certFile']) === '') !== (valueAt(tls, ['keyFile']) === ''))
          ctx.addIssue({ code: 'custom', path: ['keyFile'], message: 'certFile and keyFile go together' });
      }, whenObject)
      .describe('TLS for the edge connection'),
    https: z
      .strictObject({
        enable: z.boolean().describe('serve GET /ca.crt and /edge.crt (needs tls.caKeyFile)'),
        address: z.string().min(1).describe('listen address'),
        port: port('listen port (KubeEdge: 10002); 0 = any free port'),
      })
      .describe('certificate bootstrap server for joining edge nodes'),
    logs: z
      .strictObject({
        enable: z.boolean().describe('serve `kedgectl logs` (HTTP, bearer token published in the store)'),
        address: z.string().min(1).describe('listen address; keep it on loopback'),
        port: port('listen port; 0 = any free port (kedgectl finds it in the store)'),
      })
      .describe('the endpoint kedgectl logs reads container logs through (docs/workloads.md)'),
    edgeCertSigningDuration: z
      .number()
      .positive()
      .describe('validity of a signed edge certificate (days); edges renew at 70-90% of it'),
    auth: z
      .strictObject({
        tokenSecretFile: z
          .string()
          .min(1)
          .describe('secret that join tokens are signed with (and, in token mode, node tokens derived from)'),
      })
      .describe('edge node credentials'),
  })
  .describe('the tunnel to edge nodes');

export const CloudCoreConfigSchema = z.strictObject({
  apiVersion: z.literal(CLOUDCORE_API_VERSION),
  kind: z.literal(CLOUDCORE_KIND),
  store: StoreConfigSchema,
  featureGates: FeatureGatesSchema,
  modules: z
    .strictObject({
      cloudHub: CloudHubSchema,
      taskManager: z
        .strictObject({
          enable: z.boolean().describe('dispatch node tasks to connected nodes'),
          imageSecretNamespaces: z
            .array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name'))
            .describe(
              'namespaces an ImagePrePullJob pull Secret (imageSecrets) may be read from; others are never read ' +
                '(grant cloudcore get on secrets in each, configs/k8s/rbac.yaml)',
            ),
        })
        .describe('node task executor'),
    })
    .describe('cloudcore modules'),
});

export type CloudCoreConfig = z.infer<typeof CloudCoreConfigSchema>;

/** A fresh, mutable copy of the defaults. */
export function defaultCloudCoreConfig(): CloudCoreConfig {
  return {
    apiVersion: CLOUDCORE_API_VERSION,
    kind: CLOUDCORE_KIND,
    store: defaultStoreConfig(),
    featureGates: { disableNodeTaskV1alpha2: false },
    modules: {
      cloudHub: {
        enable: true,
        replicaId: '',
        advertiseAddress: ['127.0.0.1'],
        nodeLimit: 1000,
        keepaliveTimeout: 30,
        nodeStatusUpdateFrequency: 20,
        nodeLease: { enable: 'auto', durationSeconds: 40 },
        maxMessageBytes: 1048576,
        nodeMessageQPS: 30,
        nodeMessageBurst: 60,
        websocket: { enable: true, address: '127.0.0.1', port: 10000 },
        tls: {
          enable: true,
          caFile: DEFAULT_CLOUD_CA_FILE,
          caKeyFile: '/etc/kedge/ca/rootCA.key',
          certFile: '',
          keyFile: '',
        },
        https: { enable: true, address: '127.0.0.1', port: 10002 },
        logs: { enable: true, address: '127.0.0.1', port: 0 },
        edgeCertSigningDuration: 365,
        auth: { tokenSecretFile: DEFAULT_TOKEN_SECRET_FILE },
      },
      taskManager: { enable: true, imageSecretNamespaces: [...DEFAULT_IMAGE_SECRET_NAMESPACES] },
    },
  };
}
