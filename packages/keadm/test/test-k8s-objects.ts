// Test helpers (not exported): the parts of the Kubernetes objects in
// configs/k8s that keadm's tests look at, typed, and a lookup by kind/name.
interface Probe {
  httpGet?: { path: string; port: string | number; scheme?: string };
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}

interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string; optional?: boolean; defaultMode?: number };
}

export interface Deployment {
  kind: 'Deployment';
  metadata: { name: string; namespace?: string };
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName?: string;
        securityContext?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number };
        containers: Container[];
        volumes?: Volume[];
        affinity?: {
          podAntiAffinity?: {
            requiredDuringSchedulingIgnoredDuringExecution?: {
              labelSelector: { matchLabels: Record<string, string> };
              topologyKey: string;
            }[];
          };
        };
      };
    };
  };
}

export interface ConfigMap {
  kind: 'ConfigMap';
  metadata: { name: string; namespace?: string };
  data: Record<string, string>;
}

interface Service {
  kind: 'Service';
  metadata: { name: string; namespace?: string };
  spec: {
    type?: string;
    clusterIP?: string;
    selector: Record<string, string>;
    ports: { name: string; port: number; targetPort: string | number; protocol: string }[];
  };
}

export interface KubeObject {
  kind: string;
  metadata: { name: string; namespace?: string };
}

interface Kinds {
  Deployment: Deployment;
  ConfigMap: ConfigMap;
  Service: Service;
}

/** The object of `kind` named `name`; throws when there is none. */
export function findObject<K extends keyof Kinds>(
  objects: readonly KubeObject[],
  kind: K,
  name: string,
): Kinds[K] {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as Kinds[K];
}

/** The one element of a list that has to be there. */
export function only<T>(
  items: readonly T[] | undefined,
  what: string,
  match: (t: T) => boolean = () => true,
): T {
  const found = (items ?? []).find(match);
  if (found === undefined) throw new Error(`no ${what}`);
  return found;
}
