// How a cloud process (cloudcore, controllermanager) says that it leaves a job
// alone because the job belongs to the other node task API (docs/node-tasks.md,
// "v1alpha1 mode"): one warning per job (per uid), naming the job's API, this
// process's mode, the setting that would change it, and any process recorded
// with the other mode in the mode ConfigMap (then the feature gates disagree).
import { errorMessage } from '../errors.ts';
import type { ModeLog, NodeTaskModeMarker } from './mode-marker.ts';
import { modeRefusalMessage, nodeTaskVersionOf } from './mode.ts';

interface JobLike {
  kind: string;
  metadata: { name: string; uid?: string | undefined; annotations?: Record<string, string> | undefined };
}

export class ModeRefusals {
  readonly #marker: Pick<NodeTaskModeMarker, 'mode' | 'process' | 'disagreeing'>;
  readonly #log: ModeLog;
  readonly #said = new Set<string>();

  constructor(options: {
    marker: Pick<NodeTaskModeMarker, 'mode' | 'process' | 'disagreeing'>;
    log: ModeLog;
  }) {
    this.#marker = options.marker;
    this.#log = options.log;
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
    const { mode, process } = this.#marker;
    this.#log.warn(
      {
        job: job.metadata.name,
        resource: job.kind,
        jobVersion: nodeTaskVersionOf(job),
        mode,
        ...(others.length > 0 ? { disagreeing: others } : {}),
      },
      modeRefusalMessage({ job, mode, process, others }),
    );
  }
}
