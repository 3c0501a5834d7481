/** Decoded LDAP requests (RFC 4511 section 4), as plain typed values. */

export interface Control {
  readonly type: string;
  readonly critical: boolean;
  readonly value: Buffer | undefined;
}

export type Filter =
  | { readonly type: 'and' | 'or'; readonly filters: readonly Filter[] }
  | { readonly type: 'not'; readonly filter: Filter }
  | {
      readonly type: 'equality' | 'greaterOrEqual' | 'lessOrEqual' | 'approx';
      readonly attribute: string;
      readonly value: Buffer;
    }
  | {
      readonly type: 'substrings';
      readonly attribute: string;
      readonly initial: Buffer | undefined;
      readonly any: readonly Buffer[];
      readonly final: Buffer | undefined;
    }
  | { readonly type: 'present'; readonly attribute: string }
  | {
      readonly type: 'extensible';
      readonly rule: string | undefined;
      readonly attribute: string | undefined;
      readonly value: Buffer;
      readonly dnAttributes: boolean;
    };

export type SearchScope = 'base' | 'one' | 'sub';

export interface Modification {
  readonly operation: 'add' | 'delete' | 'replace' | 'increment';
  readonly type: string;
  readonly values: readonly Buffer[];
}

export type LdapRequest =
  | {
      readonly op: 'bind';
      readonly version: number;
      readonly name: string;
      // The password stays a Buffer and is never logged or stringified outside the bind check.
      readonly auth:
        | { readonly type: 'simple'; readonly password: Buffer }
        | { readonly type: 'sasl'; readonly mechanism: string };
    }
  | { readonly op: 'unbind' }
  | {
      readonly op: 'search';
      readonly baseDn: string;
      readonly scope: SearchScope;
      readonly sizeLimit: number;
      readonly timeLimit: number;
      readonly typesOnly: boolean;
      readonly filter: Filter;
      readonly attributes: readonly string[];
    }
  | { readonly op: 'modify'; readonly object: string; readonly changes: readonly Modification[] }
  | { readonly op: 'abandon'; readonly abandonId: number }
  | { readonly op: 'extended'; readonly name: string; readonly value: Buffer | undefined }
  // Well-formed operations this server does not perform: answered with unwillingToPerform in the matching response.
  | { readonly op: 'add' | 'delete' | 'modifyDn' | 'compare' };

export type OperationName = LdapRequest['op'];

export interface LdapMessage {
  readonly messageId: number;
  readonly request: LdapRequest;
  readonly controls: readonly Control[];
}
