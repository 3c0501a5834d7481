/** Reads and validates a users file (JSON or YAML) into a UsersFile, with errors that name the file and the field. */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { TrialDirectoryError } from '../errors.ts';
import type { UsersFile } from './users-schema.ts';
import { usersFileSchema } from './users-schema.ts';

export function loadUsersFile(path: string): UsersFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new TrialDirectoryError('ERR_CONFIG_FILE', `cannot read users file ${path}: ${reason}`, { cause: error });
  }
  let data: unknown;
  try {
    // YAML is a superset of JSON, but JSON.parse gives the clearer message for a .json file.
    data = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new TrialDirectoryError(
      'ERR_CONFIG_FILE',
      `users file ${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return parseUsers(data, `users file ${path}`);
}

/** Validates an already-parsed users document (the `users` option of startTrialDirectory). */
export function parseUsers(data: unknown, source = 'users'): UsersFile {
  const result = usersFileSchema.safeParse(data);
  if (!result.success) {
    throw new TrialDirectoryError('ERR_CONFIG_INVALID', `${source} is invalid:\n${formatIssues(result.error)}`);
  }
  return result.data;
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path
        .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
        .join('');
      return `  - ${path || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}
