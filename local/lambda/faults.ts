/**
 * Fault injection for the local cloud: make a function fail before its handler runs, to watch the
 * saga's Retry/Catch and compensation paths. Configured at start by
 *   LOCAL_FAULTS=fulfillOrder:always,reserveInventory:2
 * (`always`, or N = fail the next N invocations) and changed at run time through the
 * FaultInjector API (set / clear / list).
 */

export type FaultMode = 'always' | number;

export interface FaultState {
  functionName: string;
  mode: FaultMode;
  /** Invocations failed since the fault was set. */
  injected: number;
}

export class LocalFaultInjected extends Error {
  constructor(functionName: string, invocationNumber: number, mode: FaultMode) {
    const which = mode === 'always' ? 'set to fail always' : `set to fail the first ${mode}`;
    super(`Fault injected into ${functionName} at its invocation #${invocationNumber} (${which}; LOCAL_FAULTS or the faults API)`);
    this.name = 'LocalFaultInjected';
  }
}

export interface FaultInjector {
  set(functionName: string, mode: FaultMode): void;
  clear(functionName?: string): void;
  list(): FaultState[];
  /** Throws LocalFaultInjected when `functionName` must fail this invocation. */
  check(functionName: string, invocationNumber: number): void;
}

function validateMode(mode: unknown, where: string): FaultMode {
  if (mode === 'always') return mode;
  if (typeof mode === 'number' && Number.isInteger(mode) && mode > 0) return mode;
  throw new Error(`${where}: a fault is 'always' or a positive whole number of invocations, not ${JSON.stringify(mode)}`);
}

/** Parses a LOCAL_FAULTS value; every function must be one of `knownFunctions`. */
export function parseFaultSpec(spec: string, knownFunctions: string[]): Array<{ functionName: string; mode: FaultMode }> {
  const entries = spec.split(',').map((entry) => entry.trim()).filter(Boolean);
  const parsed = entries.map((entry) => {
    const match = /^([A-Za-z0-9_-]+):(always|\d+)$/.exec(entry);
    if (!match) {
      throw new Error(`LOCAL_FAULTS: cannot read "${entry}"; write function:always or function:N, comma-separated (e.g. fulfillOrder:always,reserveInventory:2)`);
    }
    const [, functionName, rawMode] = match;
    if (!knownFunctions.includes(functionName)) {
      throw new Error(`LOCAL_FAULTS: "${functionName}" is not a function of serverless.yml; known: ${knownFunctions.join(', ')}`);
    }
    return { functionName, mode: validateMode(rawMode === 'always' ? 'always' : Number(rawMode), `LOCAL_FAULTS "${entry}"`) };
  });
  const names = parsed.map((fault) => fault.functionName);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) throw new Error(`LOCAL_FAULTS names ${repeated} twice`);
  return parsed;
}

export function createFaultInjector(knownFunctions: string[], spec = ''): FaultInjector {
  const faults = new Map<string, FaultState>();
  const requireKnown = (functionName: string) => {
    if (!knownFunctions.includes(functionName)) {
      throw new Error(`faults: "${functionName}" is not a function of serverless.yml; known: ${knownFunctions.join(', ')}`);
    }
  };
  const injector: FaultInjector = {
    set(functionName, mode) {
      requireKnown(functionName);
      faults.set(functionName, { functionName, mode: validateMode(mode, `faults.set(${functionName})`), injected: 0 });
    },
    clear(functionName) {
      if (functionName === undefined) faults.clear();
      else {
        requireKnown(functionName);
        faults.delete(functionName);
      }
    },
    list: () => [...faults.values()].map((fault) => ({ ...fault })),
    check(functionName, invocationNumber) {
      const fault = faults.get(functionName);
      if (!fault) return;
      fault.injected += 1;
      // A counted fault removes itself once spent, so list() shows only live ones.
      if (fault.mode !== 'always' && fault.injected >= fault.mode) faults.delete(functionName);
      throw new LocalFaultInjected(functionName, invocationNumber, fault.mode);
    },
  };
  for (const { functionName, mode } of parseFaultSpec(spec, knownFunctions)) injector.set(functionName, mode);
  return injector;
}
