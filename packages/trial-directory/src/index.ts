/** Public surface of @openpta/trial-directory. */

export { DEMO_SERVICE_ACCOUNT, DEMO_USERS_FILE } from './demo.ts';
export { BIND_DATA, bindFailureMessage } from './directory/ad-messages.ts';
export { bytesToGuid, guidToBytes } from './directory/guid.ts';
export { loadUsersFile, parseUsers } from './directory/load-users.ts';
export type { PasswordPolicy } from './directory/policy.ts';
export { bytesToSid, sidToBytes, WELL_KNOWN_SIDS } from './directory/sid.ts';
export type { AccountState, UsersFile, UsersFileInput } from './directory/users-schema.ts';
export { ACCOUNT_STATES, usersFileSchema } from './directory/users-schema.ts';
export type { TrialDirectoryErrorCode } from './errors.ts';
export { TRIAL_DIRECTORY_ERROR_CODES, TrialDirectoryError } from './errors.ts';
export type { OperationName } from './ldap/index.ts';
export type { TrialDirectoryOptions } from './options.ts';
export type { DropMode, FaultState, Faults } from './server/faults.ts';
export type { TrialDirectory } from './start.ts';
export { startTrialDirectory } from './start.ts';
