import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MEMORY_PROFILE_APPLIED_ENV, parseMemoryProfile, planMemoryProfile } from '../src/memory-profile.ts';

const start = {
  execPath: '/usr/bin/node',
  execArgv: ['--enable-source-maps'],
  argv: ['/usr/bin/node', '/app/main.ts', 'serve', '--port', '0'],
  env: { PATH: '/bin' } as NodeJS.ProcessEnv,
};

test('memory profile agents: re-executes the same command with the tunables and the semi-space flag, once', () => {
  const plan = planMemoryProfile('agents', start);
  assert.ok(plan);
  assert.equal(plan.file, '/usr/bin/node');
  assert.deepEqual(plan.args, [
    '/usr/bin/node',
    '--max-semi-space-size=8',
    '--enable-source-maps',
    '/app/main.ts',
    'serve',
    '--port',
    '0',
  ]);
  assert.equal(plan.env.MALLOC_MMAP_THRESHOLD_, '32768');
  assert.equal(plan.env.PATH, '/bin');
  assert.equal(plan.env[MEMORY_PROFILE_APPLIED_ENV], 'agents');
  assert.equal(planMemoryProfile('agents', { ...start, env: plan.env }), undefined, 'the re-executed process goes on');
});

test('memory profile: what the operator set wins; node changes nothing; an unknown name is refused', () => {
  const plan = planMemoryProfile('agents', {
    ...start,
    env: { MALLOC_MMAP_THRESHOLD_: '131072', NODE_OPTIONS: '--max-semi-space-size=32' },
  });
  assert.equal(plan?.env.MALLOC_MMAP_THRESHOLD_, '131072');
  assert.equal(plan?.env.MALLOC_TOP_PAD_, '0');
  assert.ok(!plan?.args.some((a) => a.startsWith('--max-semi-space-size')), 'NODE_OPTIONS keeps its own value');
  const cli = planMemoryProfile('agents', { ...start, execArgv: ['--max-semi-space-size=1'] });
  assert.deepEqual(cli?.args.slice(0, 3), ['/usr/bin/node', '--max-semi-space-size=1', '/app/main.ts']);
  assert.equal(planMemoryProfile('node', start), undefined);
  assert.equal(parseMemoryProfile(undefined), 'agents');
  assert.throws(() => parseMemoryProfile('large'), /must be one of agents, node \(set --memory-profile/);
});
