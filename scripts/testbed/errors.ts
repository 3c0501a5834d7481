/** Typed errors of the test bed, each with a stable code and a message that says what to do next. */
export type TestbedErrorCode =
  | 'TESTBED_UNAVAILABLE' // this machine cannot run a Samba AD DC (not root, packages missing, not Linux)
  | 'TESTBED_START_FAILED' // samba was started but did not become ready
  | 'TESTBED_NO_FREE_ADDRESS' // every loopback address in the range is taken
  | 'TESTBED_COMMAND_FAILED' // a samba-tool / faketime / ip command failed
  | 'TESTBED_BAD_DESCRIPTION'; // the JSON named by OPENPTA_TESTBED is missing or malformed

export class TestbedError extends Error {
  readonly code: TestbedErrorCode;
  constructor(code: TestbedErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TestbedError';
    this.code = code;
  }
}
