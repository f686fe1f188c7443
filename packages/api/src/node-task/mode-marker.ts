// This process's node task mode in the shared ConfigMap
// kubeedge/kedge-node-task-mode (docs/node-tasks.md): one data key per
// process, written at start and removed at a clean stop, so that a process
// can tell that another one runs the other mode and say so. The ConfigMap
// itself is reached through a ModeTable (the store's configMapTable).
import { errorMessage } from '../errors.ts';
import { disagreeingModes, NODE_TASK_MODE_CONFIGMAP, type NodeTaskMode } from './mode.ts';

/** The data of one ConfigMap, read and changed as a whole (created on the first write). */
export interface ModeTable {
  read(): Promise<Readonly<Record<string, string>> | undefined>;
  /** `edit` returns the new data, or undefined to write nothing. */
  update(edit: (data: Readonly<Record<string, string>>) => Record<string, string> | undefined): Promise<void>;
}

/** The part of a pino logger the marker and the refusals write to. */
export interface ModeLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export type NodeTaskProcess = 'cloudcore' | 'controllermanager';

export class NodeTaskModeMarker {
  readonly key: string;
  readonly mode: NodeTaskMode;
  readonly process: NodeTaskProcess;
  readonly #table: ModeTable;

  constructor(options: { table: ModeTable; process: NodeTaskProcess; key: string; mode: NodeTaskMode }) {
    this.#table = options.table;
    this.process = options.process;
    this.key = options.key;
    this.mode = options.mode;
  }

  /** Writes this process's key (creating the ConfigMap on first use). */
  async record(): Promise<void> {
    await this.#table.update((data) =>
      data[this.key] === this.mode ? undefined : { ...data, [this.key]: this.mode },
    );
  }

  /** Removes this process's key (a clean stop). */
  async remove(): Promise<void> {
    await this.#table.update((data) => {
      if (data[this.key] === undefined) return undefined;
      const { [this.key]: _gone, ...rest } = data;
      return rest;
    });
  }

  /** The other processes that run the other mode, as `key=mode` (read now). */
  async disagreeing(): Promise<string[]> {
    return disagreeingModes(await this.#table.read(), this.mode, this.key);
  }

  /** Records the mode and warns when another process runs the other one; a failure is only logged. */
  async recordAndCompare(log: ModeLog): Promise<void> {
    const where = `${NODE_TASK_MODE_CONFIGMAP.namespace}/${NODE_TASK_MODE_CONFIGMAP.name}`;
    try {
      await this.record();
      const others = await this.disagreeing();
      log.info({ mode: this.mode }, `node task mode ${this.mode} recorded in ConfigMap ${where}`);
      if (others.length > 0) {
        log.warn(
          { mode: this.mode, disagreeing: others },
          `node task modes disagree: this ${this.process} runs ${this.mode}, but ${others.join(', ')}; ` +
            'each process leaves jobs of the other API alone, so they do not complete. ' +
            'Set disableNodeTaskV1alpha2 the same in cloudcore.yaml and on controllermanager',
        );
      }
    } catch (err: unknown) {
      log.warn({ err: errorMessage(err) }, `could not record the node task mode in ${where}`);
    }
  }
}
