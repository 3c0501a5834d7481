/**
 * Security invariant: a plaintext password is never logged, persisted or written anywhere by the cloud. Runs sign-ins
 * with canary passwords through every path that handles one (success, wrong password, bad input, password change with
 * mismatch, wrong current, policy refusal and success), with logs at trace level, then searches the captured log
 * lines (cloud and validator), the SQLite database (and its WAL) and every file in the data directory for the
 * canaries, in UTF-8 and UTF-16LE (AD's unicodePwd encoding).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as oidc from 'openid-client';
import { SignInRateLimiter } from '../src/protection/index.ts';
import { type AdVerifier, adVerifier } from './support/ad-verifier.ts';
import { formAction, HttpSession, hiddenValue } from './support/http-session.ts';
import { type Harness, startHarness } from './support/oidc-harness.ts';
import { authorizationRequest, discoverRp, openSignIn, redeemCode, submitSignIn } from './support/oidc-rp.ts';

const tag = Math.random().toString(36).slice(2, 8);
const CANARY = {
  right: `Canary-Right-${tag}-1`,
  wrong: `Canary-Wrong-${tag}-2`,
  badRequest: `Canary-Bad-${tag}-3\u0001`,
  mcOld: `Canary-Old-${tag}-4`,
  mcNew: `Canary-New-${tag}-5`,
  mismatch: `Canary-Mismatch-${tag}-6`,
  wrongCurrent: `Canary-WrongCur-${tag}-7`,
};

const agentLogs: string[] = [];
let adv: AdVerifier;
let h: Harness;

before(async () => {
  adv = await adVerifier({ logLines: agentLogs });
  h = await startHarness({
    verifier: adv.verifier,
    logLevel: 'trace',
    oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: 10_000, durationSeconds: 60 } } }) },
  });
});

after(async () => {
  await h?.close();
  await adv?.close();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function containsCanary(bytes: Buffer): string[] {
  return Object.values(CANARY).filter((canary) => {
    const plain = canary.replace('\u0001', '');
    return (
      bytes.includes(Buffer.from(plain, 'utf8')) ||
      bytes.includes(Buffer.from(plain, 'utf16le')) ||
      bytes.includes(Buffer.from(encodeURIComponent(plain), 'utf8'))
    );
  });
}

test('no canary password appears in any log line, database row or data-dir file', async () => {
  const user = await adv.ad.createUser({ password: CANARY.right, prefix: 'canary' });
  const mustChange = await adv.ad.createUser({ state: 'mustChange', password: CANARY.mcOld, prefix: 'canmc' });
  const { clientId, clientSecret } = await h.createClient();
  const config = await discoverRp(h, clientId, clientSecret);

  // Wrong password, bad input, then success, in one interaction.
  const session = new HttpSession(h.fetch);
  const pending = await authorizationRequest(config);
  const page = await openSignIn(h, session, pending.url);
  assert.equal((await submitSignIn(h, session, page, user.upn, CANARY.wrong)).status, 200);
  assert.equal((await submitSignIn(h, session, page, user.upn, CANARY.badRequest)).status, 400);
  const done = await submitSignIn(h, session, page, user.upn, CANARY.right);
  assert.equal(done.status, 303);
  const tokens = await redeemCode(config, new URL(done.location!), pending);
  await oidc.refreshTokenGrant(config, tokens.refresh_token!);

  // Password change: mismatch, wrong current, policy refusal, success.
  const s2 = new HttpSession(h.fetch);
  const p2 = await authorizationRequest(config);
  const first = await openSignIn(h, s2, p2.url);
  const change = await submitSignIn(h, s2, first, mustChange.upn, CANARY.mcOld);
  const action = new URL(formAction(change.body, '/change-password'), h.baseUrl).href;
  const csrf = hiddenValue(change.body, 'csrf');
  const post = (form: Record<string, string>) => s2.follow(action, h.baseUrl, { form: { csrf, ...form } });
  await post({ currentPassword: CANARY.mcOld, newPassword: CANARY.mcNew, confirmPassword: CANARY.mismatch });
  await post({ currentPassword: CANARY.wrongCurrent, newPassword: CANARY.mcNew, confirmPassword: CANARY.mcNew });
  await post({ currentPassword: CANARY.mcOld, newPassword: CANARY.mcOld, confirmPassword: CANARY.mcOld });
  const changed = await post({
    currentPassword: CANARY.mcOld,
    newPassword: CANARY.mcNew,
    confirmPassword: CANARY.mcNew,
  });
  assert.equal(changed.status, 303);

  // The attempts were logged (so the search below searched real log output).
  const cloudLog = h.logs.join('\n');
  assert.ok(h.logs.length > 20);
  assert.match(cloudLog, new RegExp(user.upn.replace(/[.]/g, '\\.')));
  assert.ok(agentLogs.length > 0);
  assert.deepEqual(containsCanary(Buffer.from(cloudLog, 'utf8')), [], 'cloud logs');
  assert.deepEqual(containsCanary(Buffer.from(agentLogs.join('\n'), 'utf8')), [], 'validator logs');

  // Stop the cloud (SQLite checkpoints its WAL) and search every file it wrote.
  await h.cloud.close();
  const files = filesUnder(h.dir);
  assert.ok(
    files.some((f) => f.endsWith('.db')),
    `the SQLite file is among ${files.join(', ')}`,
  );
  for (const file of files) {
    assert.deepEqual(containsCanary(readFileSync(file)), [], file);
  }
  // The database holds the user and OIDC artefacts (so it was the right file to search).
  const db = readFileSync(files.find((f) => f.endsWith('.db'))!);
  assert.ok(db.includes(Buffer.from(user.upn)));
  rmSync(join(h.dir, 'never-created'), { force: true });
});
