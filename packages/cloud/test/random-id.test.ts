import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newRegistrationToken } from '../src/agent-channel/registration/registration-token.ts';
import { randomUrlSafeId } from '../src/random-id.ts';

// Ids go on command lines (`openpta admin agent-token revoke <id>`): one starting with '-' is read as an option.
// base64url starts with '-' once in 64 draws, so 4,000 draws would meet it about 60 times without the redraw.
test('random ids never start with "-" and stay base64url of the asked length', () => {
  for (let i = 0; i < 4000; i++) {
    const id = randomUrlSafeId(16);
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  }
});

test('registration token ids never start with "-"', () => {
  for (let i = 0; i < 2000; i++) {
    assert.ok(!newRegistrationToken('x'.repeat(43)).id.startsWith('-'));
  }
});
