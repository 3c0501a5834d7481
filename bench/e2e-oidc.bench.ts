/**
 * (c) Full OpenID Connect sign-ins per second against the trial directory, over HTTPS like a browser and an app:
 * authorization request (PKCE) -> sign-in page -> POST username/password (-> agent channel -> agent -> directory) ->
 * redirect with code -> token request and ID token validation (openid-client). Sign-in rate limits are lifted for the
 * run (they would stop a single source after 30 attempts a minute by design); smart lockout stays on.
 *
 * Where the time goes: the client-observed time of each step, and inside the POST the credential verifier's share
 * (timed by wrapping it), all from the same run. Baseline: the verifier call alone at the same concurrency, so the
 * ratio says what the OIDC and page layers cost on top of a validation.
 *
 * `node bench/e2e-oidc.bench.ts [seconds] [concurrency]` (default 5 s, 16).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { SignInRateLimiter } from '../packages/cloud/src/protection/index.ts';
import { formAction, HttpSession, hiddenValue } from '../packages/cloud/test/support/http-session.ts';
import { startBenchCloud, startDirectoryProcess } from './e2e-stack.ts';
import { closedLoop, formatLoad } from './e2e-support.ts';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 16);
const REDIRECT = 'https://rp.example.test/callback';
const USERS = [
  ['alice@corp.example.test', 'Alice-Pass-1'],
  ['alex@corp.example.test', 'Alex-Pass-1'],
  ['grace@corp.example.test', 'Grace-Pass-1'],
] as const;

const verifierMs: number[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'openpta-bench-oidc-'));
const cloud = await startBenchCloud(dataDir, {
  oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: 1e9 }, perTenant: { points: 1e9 } } }) },
  wrapVerifier: (v) => ({
    async verifyPassword(req) {
      const t = performance.now();
      const r = await v.verifyPassword(req);
      verifierMs.push(performance.now() - t);
      return r;
    },
    changePassword: (req) => v.changePassword(req),
  }),
});
const trial = await startDirectoryProcess();
const agent = await cloud.startAgentProcess({ maxInFlight: 128, directory: trial.directory });
const dispatcher = new Agent({ connect: { ca: readFileSync(cloud.cloud.ctx.tls.caFile!, 'utf8') }, connections: 256 });
const fetchWithCa = ((input: Parameters<typeof undiciFetch>[0], init: Parameters<typeof undiciFetch>[1] = {}) =>
  undiciFetch(input, { redirect: 'manual', ...init, dispatcher })) as typeof undiciFetch;
try {
  const tenant = (await cloud.cloud.ctx.services.tenants.getById(cloud.tenantId))!;
  const { client } = await cloud.cloud.ctx.services.clients.create({
    tenantId: tenant.id,
    name: 'bench rp',
    redirectUris: [REDIRECT],
    public: true,
  });
  const config = await oidc.discovery(new URL(tenant.issuer), client.clientId, undefined, oidc.None(), {
    [oidc.customFetch]: fetchWithCa as unknown as oidc.CustomFetch,
  });
  const base = cloud.cloud.ctx.config.publicUrl;
  const steps = { authorizeAndPage: [] as number[], post: [] as number[], token: [] as number[] };

  async function signIn(i: number): Promise<boolean> {
    const [username, password] = USERS[i % USERS.length]!;
    const session = new HttpSession(fetchWithCa);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid profile email',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    let t = performance.now();
    const page = await session.follow(url.href, base);
    steps.authorizeAndPage.push(performance.now() - t);
    t = performance.now();
    const action = new URL(formAction(page.body, '/login'), base).href;
    const done = await session.follow(action, base, {
      form: { csrf: hiddenValue(page.body, 'csrf'), username, password },
    });
    steps.post.push(performance.now() - t);
    if (done.status !== 303 || !done.location?.startsWith(REDIRECT)) return false;
    t = performance.now();
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location), {
      pkceCodeVerifier: codeVerifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    steps.token.push(performance.now() - t);
    return tokens.claims()?.sub !== undefined;
  }

  await closedLoop(4, 1, (_w, i) => signIn(i)); // warm up (provider caches, JIT)
  for (const k of Object.keys(steps)) steps[k as keyof typeof steps].length = 0;
  verifierMs.length = 0;
  const full = await closedLoop(concurrency, seconds, (_w, i) => signIn(i));
  const verifierOnly = await closedLoop(concurrency, seconds, async (_w, i) => {
    const [username, password] = USERS[i % USERS.length]!;
    const r = await cloud.verifier.verifyPassword({ tenantId: tenant.id, username, password, correlationId: 'bench' });
    return r.outcome === 'ok';
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(`concurrency ${concurrency}, ${seconds} s each`);
  console.log(formatLoad('full OIDC sign-ins (5 HTTP round trips)', full));
  console.log(formatLoad('credential verifier alone', verifierOnly));
  console.log(`ratio sign-ins / verifier-only validations: ${(full.perSecond / verifierOnly.perSecond).toFixed(2)}`);
  const total = mean(steps.authorizeAndPage) + mean(steps.post) + mean(steps.token);
  console.log('where the time of one sign-in goes (mean, client-observed, under load):');
  console.log(
    `  authorize + sign-in page:  ${mean(steps.authorizeAndPage).toFixed(1)} ms (${((100 * mean(steps.authorizeAndPage)) / total).toFixed(0)}%)`,
  );
  console.log(
    `  POST password + redirects: ${mean(steps.post).toFixed(1)} ms (${((100 * mean(steps.post)) / total).toFixed(0)}%)`,
  );
  console.log(`    of which the verifier (channel + agent + directory): ${mean(verifierMs).toFixed(1)} ms`);
  console.log(
    `  code -> token + ID token:  ${mean(steps.token).toFixed(1)} ms (${((100 * mean(steps.token)) / total).toFixed(0)}%)`,
  );
  console.log(`cloud CPU per full sign-in: ${full.cpuUsPerOp.toFixed(0)} us (cloud process; the client runs here too)`);
} finally {
  await agent.stop();
  await trial.stop();
  await cloud.close();
  await dispatcher.close();
  rmSync(dataDir, { recursive: true, force: true });
}
