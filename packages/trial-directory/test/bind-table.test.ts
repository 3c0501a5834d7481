/**
 * The shared agent-facing bind table (scripts/testbed/directory-cases.ts), run with the same runner and the same
 * client (ldapts) as against the real Samba AD test bed: the trial directory must answer exactly as AD does. The same
 * goes for the root DSE's tokenGroups table (objectSid of users and groups, and the bound session's token).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BindTarget, runBindCases, runTokenCase } from '../../../scripts/testbed/bind-table.ts';
import { BIND_CASES, TOKEN_CASES } from '../../../scripts/testbed/directory-cases.ts';
import { UNKNOWN_UPN, USERS, WRONG_PASSWORD } from '../../../scripts/testbed/users.ts';
import type { TrialDirectory } from '../src/index.ts';
import { startDemo } from './helpers.ts';

describe('shared bind table against the trial directory (demo users)', () => {
  let dir: TrialDirectory;
  before(async () => {
    ({ dir } = await startDemo());
  });
  after(() => dir.close());

  const target = (startTls: boolean): BindTarget => ({
    url: startTls ? dir.url : dir.ldapsUrl,
    tlsOptions: { ca: [dir.caPem ?? ''], servername: dir.hostname },
    startTls,
    users: USERS,
    unknownUpn: UNKNOWN_UPN,
    wrongPassword: WRONG_PASSWORD,
  });

  for (const c of TOKEN_CASES) {
    it(`root DSE tokenGroups: ${c.name}`, async () => {
      const result = await runTokenCase({ ...target(false), baseDn: dir.baseDn }, c);
      assert.equal(result.mismatch, undefined, result.mismatch);
    });
  }

  for (const startTls of [false, true]) {
    it(`every case matches AD over ${startTls ? 'StartTLS' : 'LDAPS'}`, async () => {
      const results = await runBindCases(target(startTls));
      assert.equal(results.length, BIND_CASES.length);
      for (const r of results) assert.equal(r.mismatch, undefined, r.mismatch);
    });
  }
});
