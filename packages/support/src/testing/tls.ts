// A throw-away CA and a server certificate signed by it, made with openssl the
// way the dev CA script does, for tests that need real TLS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  /** The temp dir holding the files (tests may put their own files beside them). */
  dir: string;
  /** PEM of the CA: what a client must trust. */
  caFile: string;
  /** PEM of the server certificate (signed by the CA). */
  certificateFile: string;
  privateKeyFile: string;
}

/**
 * @param domains DNS names and IP addresses the server certificate is valid for
 *   (`localhost`, `127.0.0.1`, `bank-b.test`, …); the first is also its CN.
 */
export function makeTestCertificates(domains: string[]): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'anchor-test-tls-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=Anchor Test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    `/CN=${domains[0] ?? 'localhost'}`,
  ]);
  const san = domains.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  writeFileSync(
    join(dir, 'server.ext'),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  ]);
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    certificateFile: join(dir, 'server.crt'),
    privateKeyFile: join(dir, 'server.key'),
  };
}
