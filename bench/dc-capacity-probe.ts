/**
 * What the Samba test bed DC can do per second for each LDAP operation an agent sign-in may send (raw ldapts, no agent
 * code): a right-password bind, the user lookup by UPN (subtree, as validate() sends it), the same with a bare filter,
 * a base-scope read of the user's DN, and a bind plus a lookup in parallel on two connections. Used to tell the DC's
 * cost of the lookup from the agent's own overhead. `node bench/dc-capacity-probe.ts [seconds] [concurrency]`.
 */
import { Client } from 'ldapts';
import { adTestbed } from '../scripts/testbed/index.ts';
import { sambaCpuUs } from './dc-cpu.ts';

const seconds = Number(process.argv[2] ?? 2);
const concurrency = Number(process.argv[3] ?? 4);
const ad = await adTestbed();
const user = await ad.createUser({ prefix: 'probe' });
const attrs = [
  'objectGUID',
  'userPrincipalName',
  'sAMAccountName',
  'displayName',
  'givenName',
  'sn',
  'mail',
  'memberOf',
];

async function open(bindAsService: boolean): Promise<Client> {
  const c = new Client({ url: ad.ldapsUrl, tlsOptions: ad.tlsOptions });
  if (bindAsService) await c.bind(ad.users.service.upn, ad.users.service.password);
  return c;
}
const users = await Promise.all(Array.from({ length: concurrency }, () => open(false)));
const services = await Promise.all(Array.from({ length: concurrency }, () => open(true)));
const { searchEntries } = await services[0]!.search(ad.baseDn, {
  scope: 'sub',
  filter: `(userPrincipalName=${user.upn})`,
  attributes: ['dn'],
});
const dn = searchEntries[0]!.dn;

const ops: Record<string, (w: number) => Promise<unknown>> = {
  'bind (right password)': (w) => users[w]!.bind(user.upn, user.password),
  'search by UPN, full filter': (w) =>
    services[w]!.search(ad.baseDn, {
      scope: 'sub',
      filter: `(&(objectCategory=person)(objectClass=user)(userPrincipalName=${user.upn}))`,
      sizeLimit: 2,
      attributes: attrs,
    }),
  'search by UPN, bare filter': (w) =>
    services[w]!.search(ad.baseDn, {
      scope: 'sub',
      filter: `(userPrincipalName=${user.upn})`,
      sizeLimit: 2,
      attributes: attrs,
    }),
  'search by UPN, no memberOf': (w) =>
    services[w]!.search(ad.baseDn, {
      scope: 'sub',
      filter: `(&(objectCategory=person)(objectClass=user)(userPrincipalName=${user.upn}))`,
      sizeLimit: 2,
      attributes: attrs.slice(0, -1),
    }),
  'base read of the DN': (w) => services[w]!.search(dn, { scope: 'base', attributes: attrs }),
  'base read as the user (after bind)': async (w) => {
    await users[w]!.bind(user.upn, user.password);
    return users[w]!.search(dn, { scope: 'base', attributes: attrs });
  },
  'rootDSE tokenGroups (as the user)': (w) => users[w]!.search('', { scope: 'base', attributes: ['tokenGroups'] }),
  'bind, then rootDSE tokenGroups': async (w) => {
    await users[w]!.bind(user.upn, user.password);
    return users[w]!.search('', { scope: 'base', attributes: ['tokenGroups'] });
  },
  'bind || search (2 conns)': (w) =>
    Promise.all([
      users[w]!.bind(user.upn, user.password),
      services[w]!.search(ad.baseDn, {
        scope: 'sub',
        filter: `(&(objectCategory=person)(objectClass=user)(userPrincipalName=${user.upn}))`,
        sizeLimit: 2,
        attributes: attrs,
      }),
    ]),
};

console.log(`Samba DC capacity per operation, concurrency ${concurrency}, ${seconds} s each, 2 rounds`);
const results = new Map<string, number[]>();
const dcCpu = new Map<string, number[]>();

for (let r = 0; r < 2; r++) {
  for (const [name, op] of Object.entries(ops)) {
    let n = 0;
    const end = performance.now() + seconds * 1000;
    const t0 = performance.now();
    const c0 = sambaCpuUs() ?? Number.NaN;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        while (performance.now() < end) {
          await op(w);
          n++;
        }
      }),
    );
    const cpu = dcCpu.get(name) ?? [];
    cpu.push(((sambaCpuUs() ?? Number.NaN) - c0) / n);
    dcCpu.set(name, cpu);
    const list = results.get(name) ?? [];
    list.push(n / ((performance.now() - t0) / 1000));
    results.set(name, list);
  }
}
const bind = Math.max(...results.get('bind (right password)')!);
for (const [name, list] of results) {
  const best = Math.max(...list);
  const cpu = Math.min(...dcCpu.get(name)!);
  console.log(
    `  ${name.padEnd(36)} ${best.toFixed(0).padStart(6)} /s  x${(best / bind).toFixed(2)} of binds  DC CPU ${cpu.toFixed(0).padStart(5)} us/op`,
  );
}
await Promise.all([...users, ...services].map((c) => c.unbind()));
