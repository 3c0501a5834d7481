/**
 * Process-level memory settings of `openpta serve`: what glibc's allocator and V8's young generation are told at
 * process start. They cannot be changed from inside a running process (glibc reads its tunables and V8 sizes its
 * heap before any JavaScript runs), so `openpta serve` re-executes itself once with them (process.execve: the same
 * process id, so service managers and signals are unaffected).
 *
 * Why (docs/PERFORMANCE.md (d)): an idle agent holds one mutual-TLS connection, and with the defaults Node's TLS
 * read buffer (64 KiB per socket) lands in the main heap on pages that earlier handshakes dirtied, and the young
 * generation grows during a reconnect storm and stays resident: 63-67 KiB per agent connection. With the `agents`
 * profile it is 48-49 KiB, for about 6-8 % more CPU per full sign-in (measured in PERFORMANCE.md (c) and (d)).
 */

export const MEMORY_PROFILES = ['agents', 'node'] as const;
export type MemoryProfile = (typeof MEMORY_PROFILES)[number];

/** The default: a cloud node's memory is mostly its agents' connections. */
export const DEFAULT_MEMORY_PROFILE: MemoryProfile = 'agents';

/** Set in the re-executed process, so it does not re-execute again; its value is the profile applied. */
export const MEMORY_PROFILE_APPLIED_ENV = 'OPENPTA_MEMORY_PROFILE_APPLIED';

export interface MemoryProfileSettings {
  /** glibc malloc tunables (environment variables read at process start). */
  readonly env: Readonly<Record<string, string>>;
  /** Node/V8 flags; left out when the operator gives the same flag (on the command line or in NODE_OPTIONS). */
  readonly nodeFlags: readonly string[];
}

export const MEMORY_PROFILE_SETTINGS: Readonly<Record<MemoryProfile, MemoryProfileSettings>> = {
  agents: {
    // Allocations of 32 KiB and more (the per-socket TLS read buffers) get mappings of their own, so only their
    // touched pages are resident; the heap top is trimmed instead of kept as padding.
    env: { MALLOC_MMAP_THRESHOLD_: '32768', MALLOC_TRIM_THRESHOLD_: '65536', MALLOC_TOP_PAD_: '0' },
    // The young generation may grow to 8 MiB per semi-space instead of V8's default, which a reconnect storm fills
    // and which stays resident afterwards.
    nodeFlags: ['--max-semi-space-size=8'],
  },
  node: { env: {}, nodeFlags: [] },
};

export function parseMemoryProfile(value: string | undefined): MemoryProfile {
  if (value === undefined || value === '') return DEFAULT_MEMORY_PROFILE;
  if ((MEMORY_PROFILES as readonly string[]).includes(value)) return value as MemoryProfile;
  throw new Error(
    `memory profile must be one of ${MEMORY_PROFILES.join(', ')} (set --memory-profile or OPENPTA_MEMORY_PROFILE); got '${value}'`,
  );
}

export interface ProcessStart {
  readonly execPath: string;
  readonly execArgv: readonly string[];
  /** process.argv: [node, script, ...arguments]. */
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

export interface Relaunch {
  readonly file: string;
  readonly args: string[];
  readonly env: Record<string, string>;
}

/**
 * How to re-execute this process with the profile's settings, or undefined when nothing is to be done: the profile
 * has no settings, or this process is already the re-executed one. What the operator set wins: a MALLOC_* value
 * already in the environment, a Node flag already given.
 */
export function planMemoryProfile(profile: MemoryProfile, start: ProcessStart): Relaunch | undefined {
  const settings = MEMORY_PROFILE_SETTINGS[profile];
  if (start.env[MEMORY_PROFILE_APPLIED_ENV] !== undefined) return undefined;
  if (Object.keys(settings.env).length === 0 && settings.nodeFlags.length === 0) return undefined;
  const env: Record<string, string> = { ...settings.env };
  for (const [k, v] of Object.entries(start.env)) if (v !== undefined) env[k] = v;
  env[MEMORY_PROFILE_APPLIED_ENV] = profile;
  // A flag the operator gave (command line or NODE_OPTIONS, which Node reads before the command line) is left alone.
  const given = `${start.execArgv.join(' ')} ${start.env.NODE_OPTIONS ?? ''}`;
  const flags = settings.nodeFlags.filter((f) => !given.includes(f.split('=')[0]!));
  return {
    file: start.execPath,
    args: [start.execPath, ...flags, ...start.execArgv, ...start.argv.slice(1)],
    env,
  };
}

/** What the running process has, for the startup log line (and to tell an operator which settings are in force). */
export function describeMemoryProfile(env: NodeJS.ProcessEnv, execArgv: readonly string[]) {
  const applied = env[MEMORY_PROFILE_APPLIED_ENV];
  return {
    profile: applied ?? 'node',
    malloc: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('MALLOC_'))),
    nodeFlags: execArgv.filter((a) => a.startsWith('--max-semi-space-size') || a.startsWith('--max-old-space-size')),
  };
}
