// Finds a job's node entries by node name in O(1): built on first use per
// copy of the job a status write works on, so a batch of thousands of
// reports against a 10,000-entry job costs linear time, not quadratic.
import { entriesOf, type NodeTaskEntry, type NodeTaskJob } from '@kedge/api';

export class EntryIndex {
  readonly #job: NodeTaskJob;
  #indexed: readonly NodeTaskEntry[] | undefined;
  #length = 0;
  #position = new Map<string, number>();

  constructor(job: NodeTaskJob) {
    this.#job = job;
  }

  /** The node's entry (the first one, as a search in entry order finds it), or undefined. */
  get(nodeName: string): NodeTaskEntry | undefined {
    const entries = entriesOf(this.#job);
    // Changes edit entries in place; one that replaced or resized the list, or moved entries, is re-indexed.
    if (this.#indexed !== entries || this.#length !== entries.length) this.#rebuild(entries);
    let at = this.#position.get(nodeName);
    if (at !== undefined && entries[at]?.nodeName !== nodeName) {
      this.#rebuild(entries);
      at = this.#position.get(nodeName);
    }
    return at === undefined ? undefined : entries[at];
  }

  #rebuild(entries: readonly NodeTaskEntry[]): void {
    this.#position = new Map();
    entries.forEach((e, i) => {
      if (!this.#position.has(e.nodeName)) this.#position.set(e.nodeName, i);
    });
    this.#indexed = entries;
    this.#length = entries.length;
  }
}
