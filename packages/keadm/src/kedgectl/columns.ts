// Which columns `kedgectl get` shows for a kind. Node, Pod, Deployment and
// ReplicaSet have kubectl's built-in columns (workload-columns.ts); every other kind shows NAME, its printerColumns from @kedge/api
// (priority > 0 only with -o wide) and AGE.
import {
  kinds,
  nodeReadyCondition,
  type KindName,
  type Node,
  type PrinterColumn,
  type ResourceKind,
} from '@kedge/api';
import { formatAge } from './age.ts';
import { evaluateJsonPath, parseJsonPath } from './jsonpath.ts';
import { deploymentColumns, podColumns, replicaSetColumns } from './workload-columns.ts';

export interface Column {
  header: string;
  cell(object: unknown): string;
}

export interface ColumnOptions {
  wide: boolean;
  /** Adds a NAMESPACE column first (namespaced kinds with --all-namespaces). */
  namespaceColumn: boolean;
  now: () => number;
}

const NONE = '<none>';

function meta(object: unknown): { name?: string; namespace?: string; creationTimestamp?: string } {
  return (object as { metadata?: Record<string, string> }).metadata ?? {};
}

export function columnsFor(kindName: KindName, options: ColumnOptions): Column[] {
  const nameColumn: Column = { header: 'NAME', cell: (o) => meta(o).name ?? '' };
  const ageColumn: Column = {
    header: 'AGE',
    cell: (o) => formatAge(meta(o).creationTimestamp, options.now()),
  };
  const columns: Column[] = [];
  if (options.namespaceColumn) columns.push({ header: 'NAMESPACE', cell: (o) => meta(o).namespace ?? '' });
  columns.push(nameColumn);
  if (kindName === 'Node') {
    columns.push(...nodeColumns(ageColumn, options.wide));
    return columns;
  }
  const workload = workloadColumns(kindName, options);
  if (workload) {
    // kubectl puts AGE before the -o wide extras of these kinds
    const base = workload(false);
    columns.push(...base, ageColumn, ...workload(options.wide).slice(base.length));
    return columns;
  }
  const k: ResourceKind = kinds[kindName];
  const printed = k.printerColumns.filter((c) => options.wide || !c.priority);
  columns.push(...printed.map((c) => printerColumn(c, options.now)));
  if (!printed.some((c) => c.name.toUpperCase() === 'AGE')) columns.push(ageColumn);
  return columns;
}

function workloadColumns(
  kindName: KindName,
  options: ColumnOptions,
): ((wide: boolean) => Column[]) | undefined {
  if (kindName === 'Pod') return (wide) => podColumns(wide, options.now);
  if (kindName === 'Deployment') return deploymentColumns;
  if (kindName === 'ReplicaSet') return replicaSetColumns;
  return undefined;
}

function printerColumn(column: PrinterColumn, now: () => number): Column {
  const path = parseJsonPath(column.jsonPath);
  return {
    header: column.name.toUpperCase(),
    cell: (o) => {
      const values = evaluateJsonPath(o, path).filter((v) => v !== null && v !== undefined);
      if (values.length === 0) return NONE;
      if (column.type === 'date') return values.map((v) => formatAge(v, now())).join(',');
      return values.map(formatValue).join(',');
    },
  };
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function nodeColumns(ageColumn: Column, wide: boolean): Column[] {
  const node = (o: unknown): Node => o as Node;
  const columns: Column[] = [
    { header: 'STATUS', cell: (o) => nodeStatus(node(o)) },
    { header: 'ROLES', cell: (o) => nodeRoles(node(o)) },
    ageColumn,
    { header: 'VERSION', cell: (o) => node(o).status?.nodeInfo?.kubeletVersion ?? '' },
  ];
  if (!wide) return columns;
  const address = (n: Node, type: string): string =>
    n.status?.addresses?.find((a) => a.type === type)?.address ?? NONE;
  const info = (n: Node, field: 'osImage' | 'kernelVersion' | 'containerRuntimeVersion'): string =>
    n.status?.nodeInfo?.[field] || '<unknown>';
  columns.push(
    { header: 'INTERNAL-IP', cell: (o) => address(node(o), 'InternalIP') },
    { header: 'EXTERNAL-IP', cell: (o) => address(node(o), 'ExternalIP') },
    { header: 'OS-IMAGE', cell: (o) => info(node(o), 'osImage') },
    { header: 'KERNEL-VERSION', cell: (o) => info(node(o), 'kernelVersion') },
    { header: 'CONTAINER-RUNTIME', cell: (o) => info(node(o), 'containerRuntimeVersion') },
  );
  return columns;
}

/** Ready / NotReady from the Ready condition (Unknown without one), plus SchedulingDisabled. */
export function nodeStatus(node: Node): string {
  const ready = nodeReadyCondition(node);
  const status = ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady';
  return node.spec?.unschedulable ? `${status},SchedulingDisabled` : status;
}

/** Roles from `node-role.kubernetes.io/<role>` label keys and the `kubernetes.io/role` value. */
export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata.labels ?? {})) {
    if (key.startsWith('node-role.kubernetes.io/')) {
      const role = key.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (key === 'kubernetes.io/role' && value) {
      roles.add(value);
    }
  }
  return roles.size ? [...roles].sort().join(',') : NONE;
}
