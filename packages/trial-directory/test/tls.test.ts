/** StartTLS, LDAPS and the root DSE, as a client that trusts only the directory's CA sees them. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { Client } from 'ldapts';
import { USERS } from '../../../scripts/testbed/users.ts';
import { startTrialDirectory, type TrialDirectory } from '../src/index.ts';
import { generateSelfSignedTls } from '../src/tls/self-signed.ts';
import { captureLogs, closeQuietly, ldapsClient, plainClient, startDemo, tlsOptions } from './helpers.ts';

describe('TLS and the root DSE', () => {
  let dir: TrialDirectory;
  before(async () => {
    ({ dir } = await startDemo());
  });
  after(() => dir.close());

  it('StartTLS upgrades the plain port; then a simple bind is accepted', async () => {
    const client = plainClient(dir);
    await client.startTLS(tlsOptions(dir));
    await client.bind(USERS.normal.upn, USERS.normal.password);
    const { value } = await client.exop('1.3.6.1.4.1.4203.1.11.3');
    assert.equal(value, 'u:CORP\\alice');
    await closeQuietly(client);
  });

  it('a second StartTLS on a TLS connection is refused (operationsError), the connection stays usable', async () => {
    const client = ldapsClient(dir);
    await assert.rejects(client.exop('1.3.6.1.4.1.1466.20037'), /Code: 0x1\b/);
    await client.bind(USERS.normal.upn, USERS.normal.password);
    await closeQuietly(client);
  });

  it('the certificate chains to caPem and names the host, localhost and 127.0.0.1', async () => {
    assert.ok(dir.caPem);
    const ca = new X509Certificate(dir.caPem);
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: dir.ldapsPort, ca: [dir.caPem ?? ''], servername: dir.hostname });
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    });
    const cert = socket.getPeerX509Certificate();
    socket.destroy();
    assert.ok(cert?.verify(ca.publicKey));
    assert.equal(cert?.checkHost('dc1.corp.example.test'), 'dc1.corp.example.test');
    assert.equal(cert?.checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(cert?.ca === false);
  });

  it('a client that does not trust the CA fails the handshake, and the server goes on serving', async () => {
    const untrusting = new Client({
      url: dir.ldapsUrl,
      tlsOptions: { servername: dir.hostname },
      connectTimeout: 5_000,
    });
    await assert.rejects(untrusting.bind(USERS.normal.upn, USERS.normal.password), /certificate/i);
    await closeQuietly(untrusting);
    const client = ldapsClient(dir);
    await client.bind(USERS.normal.upn, USERS.normal.password);
    await closeQuietly(client);
  });

  it('the root DSE is readable anonymously and names the domain, LDAPv3 and StartTLS', async () => {
    const client = plainClient(dir);
    const { searchEntries } = await client.search('', { scope: 'base' });
    const root = searchEntries[0];
    assert.ok(root);
    assert.equal(root.defaultNamingContext, 'DC=corp,DC=example,DC=test');
    assert.ok([root.namingContexts].flat().includes('DC=corp,DC=example,DC=test'));
    assert.ok([root.supportedExtension].flat().includes('1.3.6.1.4.1.1466.20037'));
    assert.ok([root.supportedLDAPVersion].flat().includes('3'));
    assert.ok([root.supportedControl].flat().includes('1.2.840.113556.1.4.319'));
    assert.equal(root.dnsHostName, 'dc1.corp.example.test');
    const selected = await client.search('', { scope: 'base', attributes: ['defaultNamingContext'] });
    assert.deepEqual(Object.keys(selected.searchEntries[0] ?? {}).sort(), ['defaultNamingContext', 'dn']);
    await closeQuietly(client);
  });
});

describe('TLS configuration', () => {
  it('serves a given certificate and key', async () => {
    const pair = await generateSelfSignedTls('ldap.example.test');
    await using dir = await startTrialDirectory({
      users: { users: [alice()] },
      tls: { cert: pair.cert, key: pair.key, caPem: pair.caPem },
      logger: captureLogs().logger,
    });
    assert.equal(dir.caPem, pair.caPem);
    const client = new Client({ url: dir.ldapsUrl, tlsOptions: { ca: [pair.caPem], servername: 'ldap.example.test' } });
    await client.bind('alice@corp.example.test', 'Alice-Pass-1');
    await closeQuietly(client);
  });

  it('listens on the requested host only (loopback by default)', async () => {
    await using dir = await startTrialDirectory({ users: { users: [alice()] }, logger: captureLogs().logger });
    assert.equal(dir.host, '127.0.0.1');
    assert.equal(dir.url, `ldap://127.0.0.1:${dir.port}`);
    assert.equal(dir.ldapsUrl, `ldaps://127.0.0.1:${dir.ldapsPort}`);
    const reachable = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: dir.port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    assert.ok(reachable);
  });
});

function alice() {
  return { sAMAccountName: 'alice', displayName: 'Alice Anders', password: 'Alice-Pass-1' };
}
