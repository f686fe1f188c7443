// A throwaway CA and a server certificate for 127.0.0.1, made with the
// openssl CLI (Debian `openssl`), for tests of the TLS tunnel.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCa {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** `serverIps`: more IP addresses the server certificate is valid for, besides 127.0.0.1. */
export async function makeTestCa(dir: string, name = 'test', serverIps: string[] = []): Promise<TestCa> {
  const f = (s: string): string => join(dir, `${name}-${s}`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-subj',
    `/CN=${name}-ca`,
    '-days',
    '2',
  ]);
  await run('openssl', [
    'req',
    ...ec,
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
    '-subj',
    '/CN=cloudcore',
  ]);
  const ips = ['127.0.0.1', ...serverIps].map((ip) => `IP:${ip}`).join(',');
  writeFileSync(f('san.ext'), `subjectAltName=${ips},DNS:localhost\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.crt'),
    '-days',
    '2',
    '-extfile',
    f('san.ext'),
  ]);
  return { caFile: f('ca.crt'), certFile: f('server.crt'), keyFile: f('server.key') };
}
