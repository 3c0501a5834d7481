import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INFRASTRUCTURE_FAILURES, isOutcome, OUTCOMES, PASSWORD_PROVEN } from '../src/index.ts';

test('no outcome is both an infrastructure failure and proof of a right password', () => {
  for (const outcome of OUTCOMES) {
    assert.ok(!(INFRASTRUCTURE_FAILURES.has(outcome) && PASSWORD_PROVEN.has(outcome)), outcome);
  }
  assert.ok(!INFRASTRUCTURE_FAILURES.has('invalid_credentials'));
});

test('isOutcome accepts only the listed names', () => {
  assert.ok(isOutcome('ok'));
  assert.ok(!isOutcome('OK'));
  assert.ok(!isOutcome(undefined));
});
