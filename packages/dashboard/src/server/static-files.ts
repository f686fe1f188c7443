// The web UI's files (src/web), read once at start and served from memory.
// Only files that exist in that directory at start are served, so no request
// path can reach anything else.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface StaticFile {
  type: string;
  body: Buffer;
}

export class StaticFiles {
  readonly #files = new Map<string, StaticFile>();

  constructor(dir: string) {
    for (const name of readdirSync(dir)) {
      const type = TYPES[extname(name)];
      if (type !== undefined) this.#files.set(`/${name}`, { type, body: readFileSync(join(dir, name)) });
    }
  }

  /** Serves `path` ("/" = index.html); false when there is no such file. */
  serve(path: string, res: ServerResponse, headOnly: boolean): boolean {
    const file = this.#files.get(path === '/' ? '/index.html' : path);
    if (!file) return false;
    res.writeHead(200, {
      'content-type': file.type,
      'content-length': file.body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy':
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:",
    });
    res.end(headOnly ? undefined : file.body);
    return true;
  }
}
