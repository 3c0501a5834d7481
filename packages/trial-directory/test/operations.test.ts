/** Operations the trial directory does not perform, unknown extended operations and controls, abandon, unbind. */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  AbandonRequest,
  BindRequest,
  type Client,
  Control,
  ProtocolError,
  UnavailableCriticalExtensionError,
  UnwillingToPerformError,
} from 'ldapts';
import { USERS } from '../../../scripts/testbed/users.ts';
import type { TrialDirectory } from '../src/index.ts';
import { ldapsClient, serviceBoundDemo } from './helpers.ts';

describe('other operations', () => {
  let dir: TrialDirectory;
  let client: Client;
  let close: () => Promise<void>;
  before(async () => {
    ({ dir, client, close } = await serviceBoundDemo());
  });
  after(() => close());

  it('add, delete, modifyDN and compare get unwillingToPerform in their own response type', async () => {
    const dn = `CN=New,CN=Users,${dir.baseDn}`;
    await assert.rejects(client.add(dn, { objectClass: 'user' }), UnwillingToPerformError);
    await assert.rejects(client.del(dn), UnwillingToPerformError);
    await assert.rejects(client.modifyDN(dn, 'CN=Other'), UnwillingToPerformError);
    await assert.rejects(client.compare(dn, 'cn', 'New'), UnwillingToPerformError);
  });

  it('an unknown extended operation is protocolError (RFC 4511 4.12)', async () => {
    await assert.rejects(client.exop('1.2.3.4.5'), ProtocolError);
  });

  it('an unknown critical control is unavailableCriticalExtension; a non-critical one is ignored', async () => {
    const critical = new Control('1.2.3.4.5.6', { critical: true });
    await assert.rejects(client.search(dir.baseDn, { scope: 'base' }, critical), UnavailableCriticalExtensionError);
    const optional = new Control('1.2.3.4.5.6', { critical: false });
    const { searchEntries } = await client.search(dir.baseDn, { scope: 'base' }, optional);
    assert.equal(searchEntries.length, 1);
  });

  it('abandon gets no answer and the connection stays usable', async () => {
    // ldapts has no public abandon(): send the PDUs on a raw socket, an abandon then an anonymous bind.
    const bytes = Buffer.concat([
      new AbandonRequest({ messageId: 2, abandonId: 1 }).write(),
      new BindRequest({ messageId: 3, dn: '', password: '' }).write(),
    ]);
    const received = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = connect({ host: '127.0.0.1', port: dir.port }, () => socket.write(bytes));
      socket.on('data', (chunk) => {
        chunks.push(chunk);
        const all = Buffer.concat(chunks);
        if (all.length >= 2 && all.length >= 2 + (all[1] ?? 0)) {
          socket.destroy();
          resolve(all);
        }
      });
      socket.once('error', reject);
    });
    // Exactly one response: the BindResponse (0x61) to message 3, success.
    assert.equal(received.toString('hex'), '300c02010361070a010004000400');
  });

  it('500 pipelined requests in one write are all answered, in order (back-pressure, no loss)', async () => {
    const count = 500;
    const bytes = Buffer.concat(
      Array.from({ length: count }, (_, i) => new BindRequest({ messageId: i + 1, dn: '', password: '' }).write()),
    );
    const expected = Buffer.concat(
      Array.from({ length: count }, (_, i) => {
        const id = i + 1;
        const idBytes = id < 0x80 ? [id] : id < 0x8000 ? [id >> 8, id & 0xff] : [];
        const body = [0x02, idBytes.length, ...idBytes, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00];
        return Buffer.from([0x30, body.length, ...body]);
      }),
    );
    const received = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let length = 0;
      const socket = connect({ host: '127.0.0.1', port: dir.port }, () => socket.write(bytes));
      socket.on('data', (chunk) => {
        chunks.push(chunk);
        length += chunk.length;
        if (length >= expected.length) {
          socket.destroy();
          resolve(Buffer.concat(chunks));
        }
      });
      socket.once('error', reject);
    });
    assert.ok(received.equals(expected));
  });

  it('unbind closes the connection', async () => {
    const other = ldapsClient(dir);
    await other.bind(USERS.normal.upn, USERS.normal.password);
    assert.equal(other.isConnected, true);
    await other.unbind();
    assert.equal(other.isConnected, false);
  });
});
