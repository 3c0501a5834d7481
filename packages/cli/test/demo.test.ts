/**
 * `openpta demo` as a user runs it: the real command in a child process, a real Chromium signing in through the demo
 * app (authorization code + PKCE) with a demo user's password, which goes browser -> cloud -> sealed envelope ->
 * agent over mutual TLS -> trial directory; then Ctrl-C (SIGINT) stops everything and the process exits 0.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../../../scripts/testing/chromium.ts';

let child: ChildProcess;
let stderr = '';
let dataDir: string;
let appUrl: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'openpta-demo-test-'));
  child = spawn(
    process.execPath,
    [
      'packages/cli/src/main.ts',
      'demo',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--app-port',
      '0',
      '--agent-health-port',
      '0',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const deadline = Date.now() + 60_000;
  while (!/Press Ctrl-C to stop/.test(stderr)) {
    if (child.exitCode !== null) throw new Error(`demo exited early:\n${stderr}`);
    if (Date.now() > deadline) throw new Error(`demo did not start:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  appUrl = /Demo app \(sign in here\):\s+(\S+)/.exec(stderr)?.[1] ?? '';
  assert.match(appUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
});

after(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

test('the banner lists the demo users, their states and the CA file', () => {
  assert.match(stderr, /alice@corp\.example\.test\s+Alice-Pass-1\s+signs in/);
  assert.match(stderr, /dave@corp\.example\.test\s+Dave-Pass-1\s+account_disabled/);
  assert.match(stderr, /CA to trust \(the cloud\):\s+\S+dev-ca\.pem/);
});

test('a user signs in through the demo app in Chromium and sees the ID token claims', async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: [...CHROMIUM_ARGS] });
  try {
    // The demo's CA is not in Chromium's store: accept it for this throwaway profile only.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(appUrl);
    await page.click('#sign-in');
    await page.waitForSelector('input[name="username"]');
    await page.fill('input[name="username"]', 'alice@corp.example.test');
    await page.fill('input[name="password"]', 'Alice-Pass-1');
    await page.locator('form').first().locator('button[type="submit"], input[type="submit"]').first().click();
    await page.waitForSelector('#claims', { timeout: 30_000 });
    const text = await page.textContent('#claims');
    assert.match(text ?? '', /alice@corp\.example\.test/);
    assert.match(await page.title(), /Signed in as/);
  } finally {
    await browser.close();
  }
});

test('Ctrl-C stops the demo cleanly', async () => {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  assert.match(stderr, /demo stopped/);
});
