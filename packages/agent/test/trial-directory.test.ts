/**
 * The agent against the trial directory (packages/trial-directory), which answers like AD and injects faults on
 * demand: a slow DC hits the operation timeout, a DC that drops the connection after the bind was sent, answers
 * garbage, or refuses connections gives a directory_* outcome and never invalid_credentials, and the next DC takes
 * over only when no password was sent.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_USERS_FILE, startTrialDirectory, type TrialDirectory } from '@openpta/trial-directory';
import pino from 'pino';
import {
  createAgentLogger,
  createDirectoryValidator,
  type DirectoryValidator,
  parseAgentConfig,
  resolveDirectoryConfig,
} from '../src/index.ts';
import { captureLog, counter, type DirectoryInput, USER_BINDS } from './support/ad.ts';

let dir: string;
let caFile: string;
let trial: TrialDirectory;
let spare: TrialDirectory;
const validators: DirectoryValidator[] = [];

before(async () => {
  const silent = pino({ level: 'silent' });
  trial = await startTrialDirectory({ usersFile: DEMO_USERS_FILE, logger: silent });
  spare = await startTrialDirectory({ usersFile: DEMO_USERS_FILE, logger: silent });
  dir = await mkdtemp(join(tmpdir(), 'agent-trial-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, trial.caPem!);
  // One CA file trusting both trial directories (each generates its own throwaway CA).
  writeFileSync(join(dir, 'both.pem'), `${trial.caPem!}\n${spare.caPem!}`);
});
after(async () => {
  for (const v of validators) await v.close();
  await trial.close();
  await spare.close();
  await rm(dir, { recursive: true, force: true });
});

function validator(
  overrides: Partial<DirectoryInput> = {},
  logger = createAgentLogger({ level: 'silent' }),
): DirectoryValidator {
  const config = parseAgentConfig(
    {
      directory: {
        dcs: [{ url: trial.ldapsUrl, serverName: trial.hostname }],
        tls: { caFile },
        baseDn: trial.baseDn,
        domain: trial.dnsDomain,
        serviceAccount: { bindDn: 'svc-openpta@corp.example.test', passwordEnv: 'SVC' },
        ...overrides,
      },
    },
    { env: {} },
  );
  const v = createDirectoryValidator(resolveDirectoryConfig(config.directory, { SVC: 'Service-Pass-1-Long' }), {
    logger,
  });
  validators.push(v);
  return v;
}

describe('answers like AD', () => {
  test('outcomes by account state', async () => {
    const v = validator();
    const table: [string, string, string][] = [
      ['alice@corp.example.test', 'Alice-Pass-1', 'ok'],
      ['alice@corp.example.test', 'wrong-Pass-1', 'invalid_credentials'],
      ['dave@corp.example.test', 'Dave-Pass-1', 'account_disabled'],
      ['mia@corp.example.test', 'Mia-Pass-1', 'password_must_change'],
      ['eve@corp.example.test', 'Eve-Pass-1', 'account_expired'],
      ['larry@corp.example.test', 'Larry-Pass-1', 'account_locked'],
      ['pete@corp.example.test', 'Pete-Pass-1', 'password_expired'],
      ['nobody@corp.example.test', 'x-Pass-1', 'invalid_credentials'],
    ];
    for (const [user, password, outcome] of table) {
      assert.equal((await v.validate(user, password)).outcome, outcome, user);
    }
  });
});

async function cacheResult(v: DirectoryValidator, result: string): Promise<number> {
  const metric = v.metrics.getSingleMetric('openpta_agent_attribute_cache_total');
  const data = metric ? await metric.get() : { values: [] };
  return data.values.find((x) => x.labels.result === result)?.value ?? 0;
}

describe('verified attribute cache (the root DSE gives tokenGroups, as AD does)', () => {
  test('a repeat sign-in is a cache hit: the DC checks the password, the token names the cached account', async () => {
    const log = captureLog('warn');
    const v = validator({ attributes: { cacheFromConcurrency: 1, changePollMs: 0 } }, log.logger);
    for (const [upn, password] of [
      ['alice@corp.example.test', 'Alice-Pass-1'],
      // Grace's token also lists her groups, one of them nested.
      ['grace@corp.example.test', 'Grace-Pass-1'],
    ] as const) {
      const first = await v.validate(upn, password);
      assert.equal(first.outcome, 'ok', upn);
      const [hits, binds] = [await cacheResult(v, 'hit'), await counter(v, USER_BINDS)];
      const again = await v.validate(upn, password);
      assert.equal(again.outcome, 'ok', upn);
      assert.deepEqual(again.attributes, first.attributes);
      assert.equal(await cacheResult(v, 'hit'), hits + 1, `${upn}: served from the cache`);
      assert.equal(await counter(v, USER_BINDS), binds + 1, 'the DC still checked the password');
    }
    assert.equal((await v.validate('alice@corp.example.test', 'wrong-Pass-1')).outcome, 'invalid_credentials');
    assert.equal(log.lines.filter((l) => l.includes('attribute_cache_unverifiable')).length, 0, log.text());
    // The trial directory cannot change group memberships at run time, so "a group change is seen at the next
    // sign-in" is covered against Samba only (attribute-cache.ad.test.ts).
  });
});

describe('a directory whose root DSE has no tokenGroups', () => {
  let without: TrialDirectory;
  let withoutCa: string;
  before(async () => {
    without = await startTrialDirectory({
      usersFile: DEMO_USERS_FILE,
      logger: pino({ level: 'silent' }),
      rootDseTokenGroups: false,
    });
    withoutCa = join(dir, 'without-token-groups-ca.pem');
    writeFileSync(withoutCa, without.caPem!);
  });
  after(() => without.close());

  test('the attribute cache cannot verify: logged once, every sign-in is looked up and succeeds', async () => {
    const log = captureLog('warn');
    const v = validator(
      {
        dcs: [{ url: without.ldapsUrl, serverName: without.hostname }],
        tls: { caFile: withoutCa },
        attributes: { cacheFromConcurrency: 1, changePollMs: 0 },
      },
      log.logger,
    );
    for (let i = 0; i < 3; i++) {
      const r = await v.validate('alice@corp.example.test', 'Alice-Pass-1');
      assert.equal(r.outcome, 'ok');
      assert.equal(r.attributes?.upn, 'alice@corp.example.test');
    }
    const warnings = log.lines.filter((l) => l.includes('attribute_cache_unverifiable'));
    assert.equal(warnings.length, 1, log.text());
    assert.equal(await counter(v, 'openpta_agent_attribute_cache_total'), 1, 'tried once, then not any more');
    assert.equal(await cacheResult(v, 'hit'), 0);
  });
});

describe('idle connections closed by the DC (MaxConnIdleTime)', () => {
  test('the pool notices the close and the next sign-in succeeds on a new connection', async () => {
    const idle = await startTrialDirectory({
      usersFile: DEMO_USERS_FILE,
      logger: pino({ level: 'silent' }),
      idleTimeoutMs: 200,
    });
    const idleCa = join(dir, 'idle-ca.pem');
    writeFileSync(idleCa, idle.caPem!);
    const v = validator({
      dcs: [{ url: idle.ldapsUrl, serverName: idle.hostname }],
      tls: { caFile: idleCa },
      pool: { healthCheckIntervalMs: 100 },
    });
    try {
      assert.equal((await v.validate('alice@corp.example.test', 'Alice-Pass-1')).outcome, 'ok');
      // Wait until the DC has closed the idle connections and the pool has noticed (sweep or socket close).
      for (let i = 0; i < 100; i++) {
        const pools = (await v.health()).dcs[0]!.pools;
        if (pools.user!.discarded > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok((await v.health()).dcs[0]!.pools.user!.discarded > 0, 'the health sweep dropped the closed connection');
      const before = await counter(v, USER_BINDS);
      assert.equal((await v.validate('alice@corp.example.test', 'Alice-Pass-1')).outcome, 'ok');
      assert.equal(await counter(v, USER_BINDS), before + 1);
      const stats = (await v.health()).dcs[0]!.pools.user!;
      assert.ok(stats.opened >= 2, `a new user connection was opened (${stats.opened})`);
    } finally {
      await v.close();
      await idle.close();
    }
  });
});

describe('faults', () => {
  test('latency above the operation timeout -> directory_timeout', async () => {
    const v = validator({ timeouts: { operationMs: 200 } });
    assert.equal((await v.validate('alice@corp.example.test', 'Alice-Pass-1')).outcome, 'ok');
    trial.faults.setLatency(1000, ['bind']);
    try {
      assert.equal((await v.validate('alice@corp.example.test', 'Alice-Pass-1')).outcome, 'directory_timeout');
    } finally {
      await trial.faults.reset();
    }
  });

  test('connection dropped after the bind was sent -> directory_error, and no retry on the next DC', async () => {
    const v = validator({
      dcs: [
        { url: trial.ldapsUrl, serverName: trial.hostname },
        { url: spare.ldapsUrl, serverName: spare.hostname },
      ],
      tls: { caFile: join(dir, 'both.pem') },
    });
    trial.faults.dropConnections('operation');
    try {
      const r = await v.validate('alice@corp.example.test', 'wrong-Pass-1');
      assert.equal(r.outcome, 'directory_error');
      assert.equal(r.dc, `ldaps://${trial.host}:${trial.ldapsPort}`);
      assert.equal(await counter(v, USER_BINDS), 1, 'the bind was sent once and not repeated on the spare DC');
    } finally {
      await trial.faults.reset();
    }
  });

  test('garbage instead of LDAP -> directory_error, never invalid_credentials', async () => {
    const v = validator({ serviceAccount: undefined, attributes: { groups: 'none' } });
    trial.faults.garbageResponses(true);
    try {
      assert.equal((await v.validate('alice@corp.example.test', 'wrong-Pass-1')).outcome, 'directory_error');
    } finally {
      await trial.faults.reset();
    }
  });

  test('refused connections on the first DC -> the second DC answers; both refused -> directory_unavailable', async () => {
    const v = validator({
      dcs: [
        { url: trial.ldapsUrl, serverName: trial.hostname },
        { url: spare.ldapsUrl, serverName: spare.hostname },
      ],
      tls: { caFile: join(dir, 'both.pem') },
    });
    await trial.faults.refuseConnections();
    try {
      const r = await v.validate('alice@corp.example.test', 'Alice-Pass-1');
      assert.equal(r.outcome, 'ok');
      assert.equal(r.dc, `ldaps://${spare.host}:${spare.ldapsPort}`);
      await spare.faults.refuseConnections();
      const w = validator({
        dcs: [
          { url: trial.ldapsUrl, serverName: trial.hostname },
          { url: spare.ldapsUrl, serverName: spare.hostname },
        ],
        tls: { caFile: join(dir, 'both.pem') },
      });
      assert.equal((await w.validate('alice@corp.example.test', 'Alice-Pass-1')).outcome, 'directory_unavailable');
    } finally {
      await trial.faults.reset();
      await spare.faults.reset();
    }
  });
});
