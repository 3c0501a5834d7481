import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_LOCKOUT,
  formatDurationSeconds,
  formatMfaPolicy,
  mergeProtectionSettings,
  ProtectionError,
  parseDurationSeconds,
  parseMfaPolicyFlag,
  parseProtectionSettings,
  protectionSettingsFromTenant,
  sourceNetwork,
} from '../src/protection/index.ts';

describe('protection settings', () => {
  it('an empty or missing settings object gives the documented defaults', () => {
    const expected = { lockout: { ...DEFAULT_LOCKOUT }, mfa: { mode: 'off' } };
    assert.deepEqual(parseProtectionSettings({}), expected);
    assert.deepEqual(protectionSettingsFromTenant(null), expected);
    assert.deepEqual(protectionSettingsFromTenant({ somethingElse: 1 }), expected);
  });

  it('reads durations written by operators', () => {
    const s = parseProtectionSettings({ lockout: { durationSeconds: '15m', maxDurationSeconds: '2h' } });
    assert.equal(s.lockout.durationSeconds, 900);
    assert.equal(s.lockout.maxDurationSeconds, 7200);
  });

  const bad: [string, unknown][] = [
    ['threshold 0', { lockout: { threshold: 0 } }],
    ['fractional threshold', { lockout: { threshold: 2.5 } }],
    ['negative duration', { lockout: { durationSeconds: -1 } }],
    ['duration typo', { lockout: { durationSeconds: '60 sec' } }],
    ['max below base', { lockout: { durationSeconds: 600, maxDurationSeconds: 60 } }],
    ['unknown key', { lockout: { treshold: 3 } }],
    ['groups policy without groups', { mfa: { mode: 'groups', groups: [] } }],
    ['unknown MFA mode', { mfa: { mode: 'sometimes' } }],
  ];
  for (const [name, input] of bad) {
    it(`refuses ${name} with a clear typed error`, () => {
      assert.throws(
        () => parseProtectionSettings(input),
        (error) => error instanceof ProtectionError && error.code === 'ERR_PROTECTION_SETTINGS_INVALID',
      );
    });
  }

  it('merges a partial update and keeps the rest', () => {
    const current = parseProtectionSettings({ lockout: { threshold: 4 }, mfa: { mode: 'required' } });
    const next = mergeProtectionSettings(current, { lockout: { durationSeconds: '5m' } });
    assert.equal(next.lockout.threshold, 4);
    assert.equal(next.lockout.durationSeconds, 300);
    assert.deepEqual(next.mfa, { mode: 'required' });
  });
});

describe('MFA policy flag', () => {
  const cases: [string, unknown][] = [
    ['off', { mode: 'off' }],
    ['required', { mode: 'required' }],
    ['groups:Admins,VPN Users', { mode: 'groups', groups: ['Admins', 'VPN Users'] }],
    ['groups:CN=Admins\\,OU=IT\\,DC=x', { mode: 'groups', groups: ['CN=Admins,OU=IT,DC=x'] }],
  ];
  for (const [flag, policy] of cases) {
    it(`parses ${flag} and prints it back`, () => {
      assert.deepEqual(parseMfaPolicyFlag(flag), policy);
      assert.equal(formatMfaPolicy(parseMfaPolicyFlag(flag)), flag);
    });
  }
  for (const flag of ['', 'on', 'groups:', 'groups:,,']) {
    it(`refuses "${flag}"`, () => assert.throws(() => parseMfaPolicyFlag(flag), ProtectionError));
  }
});

describe('durations', () => {
  const cases: [string | number, number][] = [
    ['60', 60],
    [90, 90],
    ['60s', 60],
    ['15m', 900],
    ['2h', 7200],
    ['30d', 2_592_000],
    [' 5M ', 300],
  ];
  for (const [input, seconds] of cases) {
    it(`${JSON.stringify(input)} is ${seconds}s`, () => assert.equal(parseDurationSeconds(input), seconds));
  }
  for (const input of ['', '0', '-5', '1.5m', '5w', 'abc', '99999999999']) {
    it(`refuses ${JSON.stringify(input)}`, () =>
      assert.throws(() => parseDurationSeconds(input), { code: 'ERR_DURATION_INVALID' }));
  }
  it('formats back to the shortest unit', () => {
    assert.deepEqual([60, 90, 3600, 86_400 * 30].map(formatDurationSeconds), ['1m', '90s', '1h', '30d']);
  });
});

describe('source network', () => {
  const cases: [string, string][] = [
    ['192.0.2.10', '192.0.2.0/24'],
    ['::ffff:192.0.2.10', '192.0.2.0/24'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0db8:0000:0001:aaaa::1', '2001:db8:0:1::/64'],
    ['2001:DB8:0:1::5', '2001:db8:0:1::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['not an ip', 'unknown'],
    ['', 'unknown'],
    ['300.1.1.1', 'unknown'],
  ];
  for (const [ip, network] of cases) {
    it(`${JSON.stringify(ip)} -> ${network}`, () => assert.equal(sourceNetwork(ip), network));
  }
});
