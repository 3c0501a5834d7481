/**
 * validate() and changePassword() refuse bad input with bad_request and never throw, whatever the caller passes;
 * nothing reaches the network (the only DC here is a port nobody listens on, and no connection is counted).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAgentLogger, createDirectoryValidator, parseAgentConfig, resolveDirectoryConfig } from '../src/index.ts';

function validator() {
  const config = parseAgentConfig(
    { directory: { dcs: [{ url: 'ldaps://127.0.0.1:9' }], baseDn: 'DC=corp,DC=example,DC=test' } },
    { env: {} },
  );
  return createDirectoryValidator(resolveDirectoryConfig(config.directory, {}), {
    logger: createAgentLogger({ level: 'silent' }),
  });
}

test('hostile inputs give bad_request, never an exception, and open no connection', async () => {
  const v = validator();
  const throwing = {
    toString() {
      throw new Error('boom');
    },
  };
  const inputs: [unknown, unknown][] = [
    [throwing, 'Secret-1'],
    ['alice@corp.example.test', throwing],
    [null, null],
    [undefined, 'Secret-1'],
    [`${'a'.repeat(1_000_000)}@corp.example.test`, 'Secret-1'],
    ['alice@corp.example.test', 'x'.repeat(1_000_000)],
    ['alice@corp.example.test', ''],
    ['alice@corp.example.test\u0000', 'Secret-1'],
  ];
  try {
    for (const [username, password] of inputs) {
      const r = await v.validate(username as string, password as string);
      assert.equal(r.outcome, 'bad_request');
      assert.equal(r.dc, undefined);
      const c = await v.changePassword(username as string, password as string, 'New-Pass-1');
      assert.equal(c.outcome, 'bad_request');
    }
    const metric = await v.metrics.getSingleMetric('openpta_agent_user_credential_checks_total')!.get();
    assert.equal(
      metric.values.reduce((s, x) => s + x.value, 0),
      0,
    );
    assert.deepEqual(
      (await v.health()).dcs.map((d) => d.pools.user?.opened),
      [0],
    );
  } finally {
    await v.close();
  }
});

test('after close, validate answers directory_error without touching the network', async () => {
  const v = validator();
  await v.close();
  assert.equal((await v.validate('alice@corp.example.test', 'Secret-1')).outcome, 'directory_error');
});
