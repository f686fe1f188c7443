import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCodeOf, isKedgeError } from '@kedge/api';
import { describe, expect, it } from 'vitest';
import { readFieldFile } from './config-file.ts';

describe('readFieldFile', () => {
  it('reads the file a config field names, or says which field and file could not be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kedge-field-file-'));
    try {
      writeFileSync(join(dir, 'ca.crt'), 'PEM');
      expect(readFieldFile('modules.edgeHub.tlsCaFile', join(dir, 'ca.crt')).toString()).toBe('PEM');
      const missing = join(dir, 'nope.crt');
      let thrown: unknown;
      try {
        readFieldFile('modules.edgeHub.tlsCaFile', missing);
      } catch (err) {
        thrown = err;
      }
      expect(errorCodeOf(thrown)).toBe('KEDGE_CONFIG_UNREADABLE');
      expect((thrown as Error).message).toMatch(/^modules\.edgeHub\.tlsCaFile: cannot read .*nope\.crt: /);
      expect(isKedgeError(thrown) && thrown.context).toMatchObject({
        file: missing,
        fields: ['modules.edgeHub.tlsCaFile'],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
