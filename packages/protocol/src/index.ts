export { type DirectoryAttributes, directoryAttributesSchema } from './directory-attributes.ts';
export { INFRASTRUCTURE_FAILURES, isOutcome, OUTCOMES, type Outcome, PASSWORD_PROVEN } from './outcome.ts';
