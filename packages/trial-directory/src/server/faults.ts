/**
 * Fault injection for tests, changeable while the server runs. Each fault reproduces a failure the agent must
 * report as an infrastructure problem, never as a wrong password: a slow DC, a DC that drops connections, a DC that
 * is down, a DC (or middlebox) that answers with garbage.
 */
import type { OperationName } from '../ldap/index.ts';

export type DropMode = 'none' | 'accept' | 'operation';

export interface FaultState {
  /** Added before each response of `latencyOperations` (all operations when undefined). */
  latencyMs: number;
  latencyOperations: ReadonlySet<OperationName> | undefined;
  /** 'accept': close each new connection at once; 'operation': close it when a request arrives, unanswered. */
  drop: DropMode;
  /** Answer each request with bytes that are not LDAP, then close the connection. */
  garbage: boolean;
  /** The listeners are closed: connections are refused. */
  refusing: boolean;
}

export interface Faults {
  /** Delay responses by `ms` (0 removes it), for the listed operations or all. Ops: bind, search, modify, extended... */
  setLatency(ms: number, operations?: readonly OperationName[]): void;
  dropConnections(mode: DropMode): void;
  garbageResponses(on: boolean): void;
  /** Stop listening on both ports: new connections get ECONNREFUSED. Open connections keep working. */
  refuseConnections(): Promise<void>;
  /** Listen again on the same ports. */
  acceptConnections(): Promise<void>;
  /** Remove every fault and listen again if refusing. */
  reset(): Promise<void>;
  readonly state: Readonly<FaultState>;
}

export function initialFaultState(): FaultState {
  return { latencyMs: 0, latencyOperations: undefined, drop: 'none', garbage: false, refusing: false };
}

export function createFaults(
  state: FaultState,
  listeners: { stop(): Promise<void>; start(): Promise<void> },
  onChange: (state: Readonly<FaultState>) => void,
): Faults {
  const changed = () => onChange({ ...state });
  return {
    state,
    setLatency(ms, operations) {
      if (!Number.isFinite(ms) || ms < 0 || ms > 600_000) throw new RangeError('latency must be 0..600000 ms');
      state.latencyMs = ms;
      state.latencyOperations = operations ? new Set(operations) : undefined;
      changed();
    },
    dropConnections(mode) {
      state.drop = mode;
      changed();
    },
    garbageResponses(on) {
      state.garbage = on;
      changed();
    },
    async refuseConnections() {
      if (state.refusing) return;
      state.refusing = true;
      await listeners.stop();
      changed();
    },
    async acceptConnections() {
      if (!state.refusing) return;
      await listeners.start();
      state.refusing = false;
      changed();
    },
    async reset() {
      state.latencyMs = 0;
      state.latencyOperations = undefined;
      state.drop = 'none';
      state.garbage = false;
      if (state.refusing) {
        await listeners.start();
        state.refusing = false;
      }
      changed();
    },
  };
}
