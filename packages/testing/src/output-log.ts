// Output of a child process kept in memory: the raw text of each stream
// (the newest `limit` characters) and the complete lines of both streams in
// the order they arrived, so a test can wait for a line on either stream.

export type StreamName = 'stdout' | 'stderr';

export interface OutputLine {
  stream: StreamName;
  text: string;
}

/** Default bound per stream and for the line log: about 2 MB of text. */
const DEFAULT_OUTPUT_LIMIT = 2 * 1024 * 1024;

export class OutputLog {
  readonly #limit: number;
  readonly #text: Record<StreamName, string> = { stdout: '', stderr: '' };
  readonly #partial: Record<StreamName, string> = { stdout: '', stderr: '' };
  readonly #lines: OutputLine[] = [];
  #lineChars = 0;
  readonly #listeners = new Set<(line: OutputLine) => void>();

  constructor(limit = DEFAULT_OUTPUT_LIMIT) {
    this.#limit = limit;
  }

  append(stream: StreamName, chunk: string): void {
    let text = this.#text[stream] + chunk;
    // Trim with some slack so a chatty process does not copy the buffer on every chunk.
    if (text.length > this.#limit * 1.25) text = text.slice(-this.#limit);
    this.#text[stream] = text;

    const pieces = (this.#partial[stream] + chunk).split('\n');
    this.#partial[stream] = pieces.pop() ?? '';
    for (const piece of pieces) this.#addLine({ stream, text: piece.replace(/\r$/, '') });
  }

  /** Emits what is left of unterminated lines (call once the streams ended). */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.#partial[stream];
      this.#partial[stream] = '';
      if (rest !== '') this.#addLine({ stream, text: rest });
    }
  }

  text(stream: StreamName): string {
    const text = this.#text[stream];
    return text.length > this.#limit ? text.slice(-this.#limit) : text;
  }

  lines(): readonly OutputLine[] {
    return this.#lines;
  }

  /** The last `n` lines of both streams, for error messages. */
  tail(n: number): string {
    return this.#lines
      .slice(-n)
      .map((l) => `  ${l.stream === 'stderr' ? '!' : '|'} ${l.text}`)
      .join('\n');
  }

  onLine(listener: (line: OutputLine) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #addLine(line: OutputLine): void {
    this.#lines.push(line);
    this.#lineChars += line.text.length + 1;
    while (this.#lineChars > this.#limit && this.#lines.length > 1) {
      const dropped = this.#lines.shift();
      this.#lineChars -= (dropped?.text.length ?? 0) + 1;
    }
    for (const listener of this.#listeners) listener(line);
  }
}
