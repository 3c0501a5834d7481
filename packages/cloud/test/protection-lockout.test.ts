import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INFRASTRUCTURE_FAILURES, OUTCOMES, type Outcome, PASSWORD_PROVEN } from '@openpta/protocol';
import { Registry } from 'prom-client';
import {
  type LockoutSettings,
  type LockoutStore,
  lockoutSettingsSchema,
  MemoryLockoutStore,
  type PasswordAttempt,
  SmartLockout,
} from '../src/protection/index.ts';

/** A clock the test moves by hand. */
function fakeClock(start = Date.UTC(2026, 10, 25, 12)) {
  let now = start;
  return {
    now: () => now,
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
  };
}

const TENANT = 'tenant-a';
const USER = 'alice@example.test';
const HOME = '192.0.2.10';
const ELSEWHERE = '198.51.100.7';

function setup(overrides: Partial<Record<keyof LockoutSettings, number>> = {}) {
  const clock = fakeClock();
  const lockout = new SmartLockout({ now: clock.now });
  const settings = lockoutSettingsSchema.parse({ threshold: 3, durationSeconds: 60, ...overrides });
  async function attempt(outcome: Outcome, password: string, ip = ELSEWHERE, username = USER) {
    const begun = await lockout.beginPassword({ tenantId: TENANT, username, ip, settings });
    if (begun.locked) return { locked: true as const, retryAfterSeconds: begun.retryAfterSeconds };
    const result = await begun.finish({ outcome, password });
    return { locked: false as const, result };
  }
  async function isLocked(ip = ELSEWHERE, username = USER) {
    const begun = await lockout.beginPassword({ tenantId: TENANT, username, ip, settings });
    if (begun.locked) return begun;
    begun.abandon();
    return undefined;
  }
  return { clock, lockout, settings, attempt, isLocked };
}

describe('smart lockout: threshold and duration', () => {
  const cases: { name: string; threshold: number; duration: number; wrong: number; locked: boolean }[] = [
    { name: 'below threshold stays open', threshold: 3, duration: 60, wrong: 2, locked: false },
    { name: 'at threshold locks', threshold: 3, duration: 60, wrong: 3, locked: true },
    { name: 'threshold 1 locks on the first failure', threshold: 1, duration: 30, wrong: 1, locked: true },
    { name: 'threshold 10 (Entra default) needs 10', threshold: 10, duration: 60, wrong: 9, locked: false },
    { name: 'threshold 10 locks at 10', threshold: 10, duration: 60, wrong: 10, locked: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { attempt, isLocked } = setup({ threshold: c.threshold, durationSeconds: c.duration });
      for (let i = 0; i < c.wrong; i++) {
        const r = await attempt('invalid_credentials', `wrong-${i}`);
        assert.equal(r.locked, false, 'attempts before the lockout reach the agent');
      }
      const decision = await isLocked();
      assert.equal(decision !== undefined, c.locked);
      if (decision) assert.equal(decision.retryAfterSeconds, c.duration);
    });
  }

  it('the attempt that reaches the threshold reports the lockout and its duration', async () => {
    const { attempt } = setup();
    await attempt('invalid_credentials', 'a');
    await attempt('invalid_credentials', 'b');
    const third = await attempt('invalid_credentials', 'c');
    assert.equal(third.locked, false);
    assert.deepEqual(third.result, { counted: true, repeatedPassword: false, locked: true, retryAfterSeconds: 60 });
  });

  it('while locked, attempts are refused without reaching the agent, and say when to retry', async () => {
    const { attempt, clock } = setup();
    for (const p of ['a', 'b', 'c']) await attempt('invalid_credentials', p);
    clock.advance(25);
    const r = await attempt('ok', 'the-right-password');
    assert.deepEqual(r, { locked: true, retryAfterSeconds: 35 });
  });

  it('unlocks after the duration (injectable clock)', async () => {
    const { attempt, isLocked, clock } = setup();
    for (const p of ['a', 'b', 'c']) await attempt('invalid_credentials', p);
    clock.advance(59);
    assert.ok(await isLocked());
    clock.advance(1);
    assert.equal(await isLocked(), undefined);
    const r = await attempt('ok', 'right');
    assert.equal(r.locked, false);
  });
});

describe('smart lockout: growing duration on repeated lockouts', () => {
  it('each further failure after a lockout locks again, doubling, up to the maximum', async () => {
    const { attempt, clock } = setup({ threshold: 3, durationSeconds: 60, maxDurationSeconds: 300 });
    for (const p of ['a', 'b', 'c']) await attempt('invalid_credentials', p);
    const expected = [120, 240, 300, 300];
    let lastDuration = 60;
    for (const [i, seconds] of expected.entries()) {
      clock.advance(lastDuration);
      const r = await attempt('invalid_credentials', `again-${i}`);
      assert.equal(r.locked, false);
      assert.equal(r.result?.locked, true, `relock ${i + 1}`);
      assert.equal(r.result?.retryAfterSeconds, seconds, `relock ${i + 1} duration`);
      lastDuration = seconds;
    }
  });

  it('the level resets after levelResetSeconds without a lockout', async () => {
    const { attempt, clock } = setup({ threshold: 2, durationSeconds: 60, levelResetSeconds: 3600 });
    await attempt('invalid_credentials', 'a');
    await attempt('invalid_credentials', 'b');
    clock.advance(3600);
    const first = await attempt('invalid_credentials', 'c');
    assert.equal(first.result?.locked, false, 'after the reset the full threshold applies again');
    const second = await attempt('invalid_credentials', 'd');
    assert.equal(second.result?.retryAfterSeconds, 60, 'and the duration starts from the base again');
  });

  it('a right password after a lockout keeps the lockout level for levelResetSeconds (longer than a day)', async () => {
    const { attempt, clock } = setup({ threshold: 2, durationSeconds: 60, levelResetSeconds: 3 * 86_400 });
    await attempt('invalid_credentials', 'a');
    await attempt('invalid_credentials', 'b');
    clock.advance(60);
    assert.equal((await attempt('ok', 'right')).locked, false);
    clock.advance(2 * 86_400);
    const next = await attempt('invalid_credentials', 'c');
    assert.equal(next.result?.locked, true, 'still at level 1: one more failure locks again');
    assert.equal(next.result?.retryAfterSeconds, 120);
  });

  it('failures older than the observation window are forgotten', async () => {
    const { attempt, isLocked, clock } = setup({ threshold: 3, observationWindowSeconds: 600 });
    await attempt('invalid_credentials', 'a');
    await attempt('invalid_credentials', 'b');
    clock.advance(600);
    await attempt('invalid_credentials', 'c');
    assert.equal(await isLocked(), undefined);
  });
});

describe('smart lockout: staying ahead of Active Directory (docs/PROTECTION.md worked example)', () => {
  it('with the defaults, an attacker going as fast as allowed reaches at most 9 failures before a 16-minute pause', async () => {
    const clock = fakeClock();
    const lockout = new SmartLockout({ now: clock.now });
    const settings = lockoutSettingsSchema.parse({});
    // Simulates AD's bad-password counter: reset when no failure arrives within the 15-minute reset window.
    const adResetWindowMs = 15 * 60_000;
    let adCount = 0;
    let maxAdCount = 0;
    let lastFailureAt = -Infinity;
    for (let i = 0; i < 200; i++) {
      const begun = await lockout.beginPassword({ tenantId: TENANT, username: USER, ip: ELSEWHERE, settings });
      if (begun.locked) {
        clock.advance(begun.retryAfterSeconds);
        continue;
      }
      if (clock.now() - lastFailureAt > adResetWindowMs) adCount = 0;
      adCount += 1;
      lastFailureAt = clock.now();
      maxAdCount = Math.max(maxAdCount, adCount);
      await begun.finish({ outcome: 'invalid_credentials', password: `guess-${i}` });
    }
    assert.equal(maxAdCount, 9, 'below an AD threshold of 10');
  });
});

describe('smart lockout: what counts', () => {
  it('the same wrong password tried again counts once', async () => {
    const { attempt, isLocked } = setup({ threshold: 3 });
    const first = await attempt('invalid_credentials', 'Summer2026!');
    assert.equal(first.result?.counted, true);
    for (let i = 0; i < 10; i++) {
      const again = await attempt('invalid_credentials', 'Summer2026!');
      assert.deepEqual(again.result, { counted: false, repeatedPassword: true, locked: false, retryAfterSeconds: 0 });
    }
    assert.equal(await isLocked(), undefined);
    await attempt('invalid_credentials', 'Autumn2026!');
    await attempt('invalid_credentials', 'Winter2026!');
    assert.ok(await isLocked(), 'three different wrong passwords do lock');
  });

  it('the repeated-password memory is per user: the same wrong password for another user counts', async () => {
    const { attempt } = setup();
    await attempt('invalid_credentials', 'guess', ELSEWHERE, 'alice');
    const bob = await attempt('invalid_credentials', 'guess', ELSEWHERE, 'bob');
    assert.equal(bob.result?.counted, true);
  });

  it('the lockout keeps no password, only keyed digests', async () => {
    const clock = fakeClock();
    const inner = new MemoryLockoutStore({ now: clock.now });
    const written: string[] = [];
    // Records every value the lockout writes to its store, as a shared store would receive it.
    const store: LockoutStore = {
      get: (key) => inner.get(key),
      delete: (key) => inner.delete(key),
      close: () => inner.close(),
      update: (key, ttl, mutate) =>
        inner.update(key, ttl, (current) => {
          const next = mutate(current);
          written.push(key, JSON.stringify(next));
          return next;
        }),
    };
    const lockout = new SmartLockout({ store, now: clock.now });
    const settings = lockoutSettingsSchema.parse({});
    const canary = 'CANARY-pw-7f3a9e';
    const begun = await lockout.beginPassword({ tenantId: TENANT, username: USER, ip: HOME, settings });
    assert.equal(begun.locked, false);
    if (!begun.locked) await begun.finish({ outcome: 'invalid_credentials', password: canary });
    assert.ok(written.length >= 4, 'a digest and a counter were written');
    const everything = written.join('\n');
    for (const form of [canary, Buffer.from(canary).toString('base64'), Buffer.from(canary).toString('hex')]) {
      assert.ok(!everything.includes(form), `the store never receives the password (${form})`);
    }
  });

  const notCounted = OUTCOMES.filter((o) => o !== 'invalid_credentials');
  for (const outcome of notCounted) {
    it(`outcome ${outcome} never counts${INFRASTRUCTURE_FAILURES.has(outcome) ? ' (infrastructure failure)' : ''}`, async () => {
      const { attempt, isLocked } = setup({ threshold: 1 });
      for (let i = 0; i < 5; i++) {
        const r = await attempt(outcome, `pw-${i}`);
        assert.equal(r.locked, false);
        assert.equal(r.result?.counted, false);
      }
      assert.equal(await isLocked(), undefined);
    });
  }

  it('a password-proven outcome resets the failures of its counter', async () => {
    const { attempt, isLocked } = setup({ threshold: 3 });
    await attempt('invalid_credentials', 'a');
    await attempt('invalid_credentials', 'b');
    assert.ok(PASSWORD_PROVEN.has('password_expired'));
    await attempt('password_expired', 'right');
    await attempt('invalid_credentials', 'c');
    await attempt('invalid_credentials', 'd');
    assert.equal(await isLocked(), undefined);
  });
});

describe('smart lockout: familiar and unfamiliar sources', () => {
  it('an attacker elsewhere cannot lock the user out of a network where they signed in before', async () => {
    const { attempt, isLocked, lockout } = setup({ threshold: 3 });
    await lockout.recordSignInSuccess({ tenantId: TENANT, username: USER, ip: HOME });
    for (const p of ['a', 'b', 'c', 'd']) await attempt('invalid_credentials', p, ELSEWHERE);
    assert.ok(await isLocked(ELSEWHERE), 'the unfamiliar counter is locked');
    assert.equal(await isLocked(HOME), undefined, 'the familiar network is not');
    assert.equal(await isLocked('192.0.2.200'), undefined, 'nor another address in the same /24');
    const r = await attempt('ok', 'right', HOME);
    assert.equal(r.locked, false);
  });

  it('failures from the familiar network count on their own counter', async () => {
    const { attempt, isLocked, lockout } = setup({ threshold: 2 });
    await lockout.recordSignInSuccess({ tenantId: TENANT, username: USER, ip: HOME });
    await attempt('invalid_credentials', 'a', HOME);
    await attempt('invalid_credentials', 'b', HOME);
    assert.ok(await isLocked(HOME));
    assert.equal(await isLocked(ELSEWHERE), undefined);
    const status = await lockout.status({ tenantId: TENANT, username: USER });
    assert.deepEqual(status.familiarNetworks, ['192.0.2.0/24']);
    assert.ok(status.counters.familiar.lockedUntil);
    assert.equal(status.counters.unfamiliar.lockedUntil, null);
  });

  it('IPv6 familiarity is per /64', async () => {
    const { attempt, isLocked, lockout } = setup({ threshold: 1 });
    await lockout.recordSignInSuccess({ tenantId: TENANT, username: USER, ip: '2001:db8:1:2::10' });
    await attempt('invalid_credentials', 'a', '2001:db8:ffff::1');
    assert.ok(await isLocked('2001:db8:ffff::1'));
    assert.equal(await isLocked('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), undefined);
  });

  it('familiarity expires', async () => {
    const clock = fakeClock();
    const lockout = new SmartLockout({ now: clock.now, familiarForMs: 86_400_000 });
    await lockout.recordSignInSuccess({ tenantId: TENANT, username: USER, ip: HOME });
    assert.equal(await lockout.isFamiliar(TENANT, USER, HOME), true);
    clock.advance(86_400);
    assert.equal(await lockout.isFamiliar(TENANT, USER, HOME), false);
  });

  it('usernames compare case-insensitively; tenants are separate', async () => {
    const { attempt, isLocked, lockout, settings } = setup({ threshold: 2 });
    await attempt('invalid_credentials', 'a', ELSEWHERE, 'Alice@Example.test');
    await attempt('invalid_credentials', 'b', ELSEWHERE, 'ALICE@EXAMPLE.TEST');
    assert.ok(await isLocked(ELSEWHERE, 'alice@example.test'));
    const other = await lockout.beginPassword({ tenantId: 'tenant-b', username: USER, ip: ELSEWHERE, settings });
    assert.equal(other.locked, false);
  });
});

describe('smart lockout: parallel attempts and MFA', () => {
  it('attempts in flight count toward the threshold', async () => {
    const { lockout, settings } = setup({ threshold: 3 });
    const begun = [];
    for (let i = 0; i < 5; i++) {
      begun.push(await lockout.beginPassword({ tenantId: TENANT, username: USER, ip: ELSEWHERE, settings }));
    }
    assert.deepEqual(
      begun.map((b) => b.locked),
      [false, false, false, true, true],
      'no more than threshold passwords go to the directory at once',
    );
    const refused = begun[3]!;
    assert.ok(refused.locked && refused.reason === 'attempts_in_flight');
    (begun[0] as PasswordAttempt).abandon();
    const again = await lockout.beginPassword({ tenantId: TENANT, username: USER, ip: ELSEWHERE, settings });
    assert.equal(again.locked, false, 'an abandoned attempt frees its slot');
  });

  it('a finished attempt cannot be finished twice', async () => {
    const { lockout, settings } = setup();
    const a = (await lockout.beginPassword({
      tenantId: TENANT,
      username: USER,
      ip: HOME,
      settings,
    })) as PasswordAttempt;
    await a.finish({ outcome: 'invalid_credentials', password: 'x' });
    await assert.rejects(a.finish({ outcome: 'invalid_credentials', password: 'y' }), /already finished/);
  });

  it('MFA failures lock their own counter, not the password counters', async () => {
    const { lockout, settings, isLocked, clock } = setup({ threshold: 3, durationSeconds: 60 });
    for (let i = 0; i < 3; i++) {
      const m = await lockout.beginMfa({ tenantId: TENANT, username: USER, settings });
      assert.equal(m.locked, false);
      if (!m.locked) await m.finish({ ok: false });
    }
    const blocked = await lockout.beginMfa({ tenantId: TENANT, username: USER, settings });
    assert.ok(blocked.locked);
    assert.equal(blocked.retryAfterSeconds, 60);
    assert.equal(blocked.counter, 'mfa');
    assert.equal(await isLocked(ELSEWHERE), undefined);
    clock.advance(60);
    const ok = await lockout.beginMfa({ tenantId: TENANT, username: USER, settings });
    assert.equal(ok.locked, false);
  });

  it('an admin unlock clears every counter', async () => {
    const { attempt, isLocked, lockout } = setup({ threshold: 1 });
    await attempt('invalid_credentials', 'a');
    assert.ok(await isLocked());
    await lockout.unlock({ tenantId: TENANT, username: USER });
    assert.equal(await isLocked(), undefined);
  });
});

describe('smart lockout metrics', () => {
  it('counts lockouts, refusals and repeated passwords on the attached registry', async () => {
    const { lockout, attempt } = setup({ threshold: 2 });
    const registry = new Registry();
    lockout.attachMetrics(registry);
    await attempt('invalid_credentials', 'a');
    await attempt('invalid_credentials', 'a');
    await attempt('invalid_credentials', 'b');
    await attempt('ok', 'right');
    await attempt('ok', 'right');
    const text = await registry.metrics();
    assert.match(text, /^openpta_smart_lockout_locks_total\{counter="unfamiliar"\} 1$/m);
    assert.match(text, /^openpta_smart_lockout_refusals_total\{counter="unfamiliar",reason="locked"\} 2$/m);
    assert.match(text, /^openpta_smart_lockout_repeated_passwords_total 1$/m);
  });
});

describe('memory lockout store', () => {
  it('is bounded: the stalest keys go first', async () => {
    const store = new MemoryLockoutStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd']) await store.update(key, 60_000, () => key);
    assert.equal(store.size, 3);
    assert.equal(await store.get('a'), undefined);
    assert.equal(await store.get('d'), 'd');
  });

  it('expires entries by their TTL', async () => {
    const clock = fakeClock();
    const store = new MemoryLockoutStore({ now: clock.now });
    await store.update('k', 1000, () => 1);
    clock.advance(1);
    assert.equal(await store.get('k'), undefined);
  });
});
