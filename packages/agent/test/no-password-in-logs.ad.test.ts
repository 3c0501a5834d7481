/**
 * The agent never logs a password: a run of validations and password changes with canary passwords (right, wrong,
 * refused, new) is captured at debug level, and no canary appears anywhere; each line still names the user, the
 * DC, the outcome and the time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adTestbed } from '../../../scripts/testbed/index.ts';
import { createAgentLogger } from '../src/index.ts';
import { adConfig, captureLog, validatorFor } from './support/ad.ts';

test('no canary password appears in the logs', async () => {
  const ad = await adTestbed();
  const canaryRight = 'Canary-Right-Pass-41';
  const canaryWrong = 'Canary-Wrong-Pass-42';
  const canaryNew = 'Canary-New-Pass-43';
  const canaryBad = 'Canary\u0001Bad-44';
  const u = await ad.createUser({ state: 'mustChange', password: canaryRight, prefix: 'canary' });
  const log = captureLog('trace');
  const v = validatorFor(ad, adConfig(ad), { logger: log.logger });
  try {
    await v.validate(u.upn, canaryWrong);
    await v.validate(u.upn, canaryRight);
    await v.validate(u.upn, canaryBad);
    await v.validate(`${canaryRight}@corp.example.test`, '');
    await v.changePassword(u.upn, canaryWrong, canaryNew);
    await v.changePassword(u.upn, canaryRight, canaryNew);
    assert.equal((await v.validate(u.upn, canaryNew)).outcome, 'ok');
  } finally {
    await v.close();
  }
  const text = log.text();
  for (const canary of [canaryWrong, canaryNew, 'Canary-Right', 'Bad-44', ad.users.service.password]) {
    if (canary === 'Canary-Right') {
      // Only the deliberately odd username above contains it, and only as a username.
      const hits = log.lines.filter((l) => l.includes(canary));
      assert.ok(
        hits.every((l) => JSON.parse(l).username?.startsWith(canaryRight)),
        'right password only as a username',
      );
      continue;
    }
    assert.ok(!text.includes(canary), `log contains ${canary}`);
  }
  const lines = log.lines.map((l) => JSON.parse(l));
  const validations = lines.filter((l) => l.event === 'validate');
  assert.equal(validations.length, 5);
  for (const l of validations) {
    assert.equal(typeof l.username, 'string');
    assert.equal(typeof l.outcome, 'string');
    assert.equal(typeof l.elapsed_ms, 'number');
  }
  assert.ok(validations.filter((l) => l.outcome !== 'bad_request').every((l) => typeof l.dc === 'string'));
});

test('the logger redacts password fields even if one is passed by mistake', () => {
  const lines: string[] = [];
  const logger = createAgentLogger({ destination: { write: (s: string) => lines.push(s) } });
  logger.info({ password: 'Leak-1', request: { password: 'Leak-2', newPassword: 'Leak-3' } }, 'x');
  assert.equal(lines.length, 1);
  assert.ok(!/Leak-/.test(lines[0]!), lines[0]);
});
