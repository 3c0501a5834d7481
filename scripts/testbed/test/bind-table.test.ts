/**
 * The Samba test bed is what it claims: every case of the shared bind table (directory-cases.ts) gives AD's answer
 * over LDAPS and over StartTLS, through ldapts (the agent's client), and AD refuses simple binds in the clear. The
 * root DSE tokenGroups table (directory-cases.ts TOKEN_CASES) is what Samba answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, StrongAuthRequiredError } from 'ldapts';
import { runTokenCase } from '../bind-table.ts';
import { TOKEN_CASES } from '../directory-cases.ts';
import { type AdTestbed, adTestbed, BIND_CASES, bindOnce, runBindCase } from '../index.ts';

let ad: AdTestbed;
before(async () => {
  ad = await adTestbed();
});

for (const transport of ['LDAPS', 'StartTLS'] as const) {
  describe(`bind table over ${transport}`, () => {
    for (const c of BIND_CASES) {
      test(c.name, async () => {
        const result = await runBindCase(ad.bindTarget({ startTls: transport === 'StartTLS' }), c);
        assert.equal(result.mismatch, undefined, result.mismatch);
      });
    }
  });
}

describe("root DSE tokenGroups (the bound session's SIDs)", () => {
  for (const c of TOKEN_CASES) {
    test(c.name, async () => {
      const result = await runTokenCase({ ...ad.bindTarget(), baseDn: ad.baseDn }, c);
      assert.equal(result.mismatch, undefined, result.mismatch);
    });
  }
});

describe('transport security', () => {
  let client: Client | undefined;
  after(async () => {
    await client?.unbind().catch(() => undefined);
  });

  test('a simple bind without TLS is refused with strongerAuthRequired (8)', async () => {
    client = new Client({ url: ad.ldapUrl, timeout: 10_000, connectTimeout: 5_000 });
    await assert.rejects(client.bind(ad.users.normal.upn, ad.users.normal.password), (error: unknown) => {
      assert.ok(error instanceof StrongAuthRequiredError, String(error));
      assert.equal(error.code, 8);
      return true;
    });
  });

  test('LDAPS with a CA other than the test bed CA fails the TLS handshake', async () => {
    const observed = await bindOnce(
      { url: ad.ldapsUrl, tlsOptions: { servername: ad.servername, ca: [] } },
      ad.users.normal.upn,
      ad.users.normal.password,
    );
    assert.equal(observed.result, 'other');
    assert.match(observed.result === 'other' ? observed.message : '', /certificate/i);
  });

  test('the certificate is issued to the DC name, not to the IP', async () => {
    const observed = await bindOnce(
      { url: ad.ldapsUrl, tlsOptions: { ca: [ad.caPem], servername: 'wrong.corp.example.test' } },
      ad.users.normal.upn,
      ad.users.normal.password,
    );
    assert.equal(observed.result, 'other');
  });
});
