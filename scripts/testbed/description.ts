/**
 * The on-disk description of a running instance (DIR/testbed.json): what a test process needs to find and reach
 * the DC started by another process (scripts/run-tests.ts or `cli.ts start`). Everything else (users, domain) is
 * static data from users.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { TestbedError } from './errors.ts';

export const TestbedInfoSchema = z.object({
  version: z.literal(1),
  ip: z.string().regex(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/),
  ldapsUrl: z.string().startsWith('ldaps://'),
  ldapUrl: z.string().startsWith('ldap://'),
  caFile: z.string().min(1),
  dir: z.string().min(1),
  /** samba root process (leads its own process group). */
  pid: z.number().int().positive(),
  startedAt: z.string(),
  /** true: tied to the process that started it (a test run); false: started by `cli.ts start`. */
  tied: z.boolean().default(false),
});
export type TestbedInfo = z.infer<typeof TestbedInfoSchema>;

export function descriptionFile(dir: string): string {
  return join(dir, 'testbed.json');
}

export function writeDescription(info: TestbedInfo): string {
  const file = descriptionFile(info.dir);
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`);
  return file;
}

export function readDescription(file: string): TestbedInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TestbedError('TESTBED_BAD_DESCRIPTION', `cannot read test bed description ${file}: ${String(error)}`);
  }
  const parsed = TestbedInfoSchema.safeParse(raw);
  if (!parsed.success) {
    throw new TestbedError('TESTBED_BAD_DESCRIPTION', `invalid test bed description ${file}: ${parsed.error.message}`);
  }
  return parsed.data;
}
