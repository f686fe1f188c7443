// ConfigUpdate on the node: edit edgecore.yaml as written (comments, and the
// fields it leaves to defaults, stay as they are), not the effective config,
// so env-provided values such as the token are never written into the file.
import { parseDocument } from 'yaml';
import { configInvalid, configIssueMessage, configProblems, deepEqual, valueAt } from '@kedge/runtime';
import { EdgeCoreConfigSchema, type EdgeCoreConfig } from './edgecore-config.ts';
import { planConfigUpdate } from './apply-config-update.ts';
import { EDGECORE_ENV, loadEdgeCoreConfig } from './load-edgecore-config.ts';

export interface EdgeCoreConfigTextUpdate {
  /** The new file content (the input itself when nothing changed). */
  readonly text: string;
  /** The effective config the new text gives (frozen). */
  readonly config: EdgeCoreConfig;
  /** False when every field already had its value: no write, no restart. */
  readonly changed: boolean;
}

/**
 * Applies `updateFields` to the text of edgecore.yaml. Throws KEDGE_CONFIG_INVALID
 * naming each bad path or value, and each path this node sets through an env var
 * (a file change there would have no effect).
 */
export function updateEdgeCoreConfigText(options: {
  text: string;
  file: string;
  updateFields: Readonly<Record<string, string>>;
  env?: NodeJS.ProcessEnv;
}): EdgeCoreConfigTextUpdate {
  const env = options.env ?? process.env;
  const current = loadEdgeCoreConfig({ text: options.text, file: options.file, env });
  const { next, edits, problems } = planConfigUpdate(EdgeCoreConfigSchema, current, options.updateFields);
  for (const edit of edits) {
    const binding = EDGECORE_ENV.find((b) => env[b.env] && b.path.every((p, i) => edit.segments[i] === p));
    if (binding)
      problems.push(
        `${edit.path}: set by $${binding.env} on this node; a change in the file would have no effect`,
      );
  }
  if (problems.length) throw configInvalid('config update', problems);
  if (deepEqual(next, current)) return { text: options.text, config: current, changed: false };
  const checked = EdgeCoreConfigSchema.safeParse(next, { error: configIssueMessage });
  if (!checked.success) throw configInvalid('config update', configProblems(checked.error));

  const doc = parseDocument(options.text);
  for (const edit of edits) {
    // A list is written whole, so an index never lands in a list the file does not have.
    const firstIndex = edit.segments.findIndex((s) => typeof s === 'number');
    const target = firstIndex < 0 ? edit.segments : edit.segments.slice(0, firstIndex);
    doc.setIn(target, valueAt(next, target));
  }
  const text = doc.toString({ lineWidth: 0, singleQuote: true });
  return { text, config: loadEdgeCoreConfig({ text, file: options.file, env }), changed: true };
}
