import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {createServer, type TLSSocket} from 'node:tls';
import {kafkaTls, listTopicNames, withAdmin} from '../../src/clients/kafka.js';
import {ConfigError} from '../../src/errors.js';
import {createLogger} from '../../src/log.js';
import type {RunContext} from '../../src/runtime.js';
import {tempDir} from '../helpers.js';

/**
 * A context's `kafka.ssl` CA bundle and client certificate/key reach the Kafka clients: read from
 * their files (secret references resolved), errors naming the key path, and — against a real TLS
 * server that trusts only a client certificate signed by a test CA — presented in the handshake.
 */
const dir = tempDir('cdcctl-kafka-tls-');
const f = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, {stdio: 'pipe', cwd: dir});

describe('kafka.ssl: CA and client certificate', () => {
  let opensslMissing = false;
  before(() => {
    try {
      makeCertsWithExtensions();
    } catch {
      opensslMissing = true;
    }
  });

  it('true and absent pass through; a tls block reads its files, references resolved', () => {
    if (opensslMissing) return;
    assert.equal(kafkaTls({brokers: ['h:1'], ssl: true}, 'contexts.p.kafka'), true);
    assert.equal(kafkaTls({brokers: ['h:1']}, 'contexts.p.kafka'), undefined);
    process.env.CDCCTL_TEST_CLIENT_KEY = f('client.key');
    const tls = kafkaTls(
      {brokers: ['h:1'], ssl: {ca: f('ca.pem'), cert: f('client.pem'), key: '${env:CDCCTL_TEST_CLIENT_KEY}'}},
      'contexts.p.kafka',
    );
    assert.ok(typeof tls === 'object');
    assert.deepEqual(tls.ca, readFileSync(f('ca.pem')));
    assert.deepEqual(tls.cert, readFileSync(f('client.pem')));
    assert.deepEqual(tls.key, readFileSync(f('client.key')));
    assert.equal(tls.rejectUnauthorized, true);
    const insecure = kafkaTls({brokers: ['h:1'], ssl: {insecureSkipTlsVerify: true}}, 'contexts.p.kafka');
    assert.deepEqual(insecure, {rejectUnauthorized: false});
  });

  it('a file that cannot be read is a config error naming the key path and the file', () => {
    assert.throws(
      () => kafkaTls({brokers: ['h:1'], ssl: {ca: '/nonexistent/ca.pem'}}, 'contexts.p.kafka'),
      (err: Error) =>
        err instanceof ConfigError &&
        /^contexts\.p\.kafka\.ssl\.ca: cannot read \/nonexistent\/ca\.pem \(ENOENT\)$/.test(err.message),
    );
  });

  describe('the handshake (a TLS server that requires a client certificate of the test CA)', () => {
    let server: ReturnType<typeof createServer>;
    let port = 0;
    const seen: Array<{authorized: boolean; cn?: string}> = [];
    before(async () => {
      if (opensslMissing) return;
      server = createServer(
        {
          key: readFileSync(f('server.key')),
          cert: readFileSync(f('server.pem')),
          ca: readFileSync(f('ca.pem')),
          requestCert: true,
          rejectUnauthorized: false,
        },
        (socket: TLSSocket) => {
          const peer = socket.getPeerCertificate();
          seen.push({authorized: socket.authorized, cn: String(peer?.subject?.CN)});
          socket.destroy(); // not a Kafka broker: the client's request fails after the handshake
        },
      );
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as import('node:net').AddressInfo).port;
    });
    after(() => server?.close());

    it('the admin client presents the client certificate and trusts the CA of the context', async (t) => {
      if (opensslMissing) return t.skip('openssl is not available');
      const ctx: RunContext = {
        contextName: 'p',
        config: {
          kafka: {brokers: [`127.0.0.1:${port}`], ssl: {ca: f('ca.pem'), cert: f('client.pem'), key: f('client.key')}},
        },
        timeoutMs: 3000,
        log: createLogger({format: 'text', verbose: false}),
        userAgent: 'test',
        actor: 'test',
      } as RunContext;
      await assert.rejects(withAdmin(ctx, listTopicNames));
      assert.ok(seen.length > 0, 'the client connected over TLS (it trusted the server through the context CA)');
      assert.deepEqual(seen[0], {authorized: true, cn: 'client'});
    });
  });
});

function makeCertsWithExtensions(): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=cdcctl test CA',
  );
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    execFileSync('sh', ['-c', `printf '%s\\n' "$0" > ${name}.ext`, ext], {cwd: dir});
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  }
}
