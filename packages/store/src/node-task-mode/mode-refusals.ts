// How a cloud process (cloudcore, controllermanager) says that it leaves a job alone because the job
// belongs to the other node task API (docs/node-tasks.md, "v1alpha1 mode"):
// one warning per job (per uid), naming the job's API, this process's mode,
// the setting that would change it, and any process recorded with the other
// mode in the mode ConfigMap (then the feature gates disagree).
import { errorMessage, modeRefusalMessage, nodeTaskVersionOf } from '@kedge/api';
import type { Logger } from '@kedge/runtime';
import type { NodeTaskModeMarker } from './node-task-mode-marker.ts';

interface JobLike {
  kind: string;
  metadata: { name: string; uid?: string | undefined; annotations?: Record<string, string> | undefined };
}

export class ModeRefusals {
  readonly #marker: NodeTaskModeMarker;
  readonly #log: Logger;
  readonly #process: 'cloudcore' | 'controllermanager';
  readonly #said = new Set<string>();

  constructor(options: {
    marker: NodeTaskModeMarker;
    log: Logger;
    process: 'cloudcore' | 'controllermanager';
  }) {
    this.#marker = options.marker;
    this.#log = options.log;
    this.#process = options.process;
  }

  /** Logs why `job` is left alone, once per job uid. */
  async refuse(job: JobLike): Promise<void> {
    const id = `${job.kind}/${job.metadata.name}/${job.metadata.uid ?? ''}`;
    if (this.#said.has(id)) return;
    this.#said.add(id);
    let others: string[] = [];
    try {
      others = await this.#marker.disagreeing();
    } catch (err: unknown) {
      this.#log.warn({ err: errorMessage(err) }, 'cannot read the node task mode ConfigMap');
    }
    const mode = this.#marker.mode;
    this.#log.warn(
      {
        job: job.metadata.name,
        resource: job.kind,
        jobVersion: nodeTaskVersionOf(job),
        mode,
        ...(others.length > 0 ? { disagreeing: others } : {}),
      },
      modeRefusalMessage({ job, mode, process: this.#process, others }),
    );
  }
}
