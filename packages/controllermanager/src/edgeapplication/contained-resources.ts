// apps.kubeedge.io/last-contained-resources on an EdgeApplication: the
// objects it generated last time, as upstream writes it (a JSON list of
// {ordinal, group, version, kind, namespace, name}, sorted), so that objects
// dropped from the template or the targets are deleted on the next pass.
export interface ContainedResource {
  ordinal: number;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

function keyOf(r: ContainedResource): string {
  return `${r.ordinal}, ${r.group}/${r.version}, kind=${r.kind}, namespace=${r.namespace}, name=${r.name}`;
}

export function containedList(resources: ContainedResource[]): string {
  const list = resources.map((r) => ({
    ordinal: r.ordinal,
    group: r.group,
    version: r.version,
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
  }));
  list.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  return JSON.stringify(list);
}

/** The recorded list; entries that are not well-formed are skipped (the annotation is user-editable). */
export function parseContained(text: string | undefined): ContainedResource[] {
  if (text === undefined || text === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (r): r is ContainedResource =>
      r !== null &&
      typeof r === 'object' &&
      typeof (r as ContainedResource).kind === 'string' &&
      typeof (r as ContainedResource).name === 'string' &&
      typeof (r as ContainedResource).namespace === 'string' &&
      typeof (r as ContainedResource).group === 'string',
  );
}
