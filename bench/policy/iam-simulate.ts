import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IAM_SIMULATE_VERSION, importPeer, installPeer } from '../../test/support/peers.js';
import type { DecisionKind } from '../../src/policy/index.js';
import type { BenchCase } from './corpus.js';
import type { NamedDoc } from './policies.js';

/**
 * @cloud-copilot/iam-simulate (AGPL), installed at bench time outside the project and driven
 * only through its public API:
 * - `runSimulation(simulation, {})`: validates every policy, the action, the resource type and the
 *   context keys on each call, then evaluates;
 * - `runUnsafeSimulation(simulation, {})`: its documented entry point without validation ("use this
 *   if you know what you're doing"): policies are still parsed on each call, as iam-simulate has
 *   no compile-once API. It takes no name for the resource policy, so that one is handed over as a
 *   `ValidatedPolicy` made with iam-policy's public `createValidatedPolicy` (which only attaches
 *   the name when given a validator that reports nothing).
 */
export type SimResult = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

interface Simulation {
  request: { principal: string; action: string; resource: { resource: string; accountId: string }; contextVariables: Record<string, string | string[]> };
  identityPolicies: { name: string; policy: unknown }[];
  serviceControlPolicies: { orgIdentifier: string; policies: { name: string; policy: unknown }[] }[];
  resourceControlPolicies: { orgIdentifier: string; policies: { name: string; policy: unknown }[] }[];
  resourcePolicy?: unknown;
  permissionBoundaryPolicies?: { name: string; policy: unknown }[];
}

type RunResults =
  | { resultType: 'error'; errors: { message: string } & Record<string, unknown> }
  | { resultType: 'single' | 'wildcard'; overallResult: SimResult; result?: { ignoredContextKeys?: string[] } };

interface IamSimulateModule {
  runSimulation(simulation: Simulation, options: Record<string, never>): Promise<RunResults>;
  runUnsafeSimulation(simulation: Simulation, options: Record<string, never>): SimResult;
}

interface IamPolicyModule {
  createValidatedPolicy(doc: unknown, validate: (doc: unknown) => unknown[], metadata?: unknown): unknown;
}

export interface IamSimulate {
  readonly version: string;
  /** Validated run: the decision, or the error message iam-simulate returned. */
  run(s: Simulation): Promise<SimResult | `error: ${string}`>;
  runUnsafe(s: Simulation): SimResult;
  /** The Simulation for a corpus case; `unsafe` wraps the resource policy as described above. */
  simulation(c: BenchCase, unsafe: boolean): Simulation;
}

export async function loadIamSimulate(): Promise<IamSimulate> {
  const mod = await importPeer<IamSimulateModule>('@cloud-copilot/iam-simulate', IAM_SIMULATE_VERSION);
  const dir = installPeer('@cloud-copilot/iam-simulate', IAM_SIMULATE_VERSION);
  const iamPolicy = (await import(pathToFileURL(join(dir, 'node_modules', '@cloud-copilot', 'iam-policy', 'dist', 'esm', 'index.js')).href)) as IamPolicyModule;
  const named = (p: NamedDoc): { name: string; policy: unknown } => ({ name: p.id, policy: p.doc });
  const wrapped = new Map<NamedDoc, unknown>();
  const wrap = (p: NamedDoc): unknown => {
    let w = wrapped.get(p);
    if (!w) {
      w = iamPolicy.createValidatedPolicy(p.doc, () => [], { name: p.id });
      wrapped.set(p, w);
    }
    return w;
  };
  return {
    version: IAM_SIMULATE_VERSION,
    async run(s) {
      const r = await mod.runSimulation(s, {});
      return r.resultType === 'error' ? `error: ${r.errors.message}` : r.overallResult;
    },
    runUnsafe(s) {
      return mod.runUnsafeSimulation(s, {});
    },
    simulation(c, unsafe) {
      const contextVariables: Record<string, string | string[]> = {};
      for (const e of c.context) contextVariables[e.key] = e.type.endsWith('List') ? [...e.values] : (e.values[0] as string);
      const levels = c.scp ?? [];
      return {
        request: { principal: c.caller, action: c.action, resource: { resource: c.resource, accountId: c.resourceAccount }, contextVariables },
        identityPolicies: c.identity.map(named),
        serviceControlPolicies: levels.map((level, i) => ({ orgIdentifier: i === 0 ? 'r-root' : i === levels.length - 1 ? 'ou-workloads' : `ou-${i}`, policies: level.map(named) })),
        resourceControlPolicies: [],
        ...(c.resourcePolicy ? { resourcePolicy: unsafe ? wrap(c.resourcePolicy) : c.resourcePolicy.doc } : {}),
        ...(c.boundary ? { permissionBoundaryPolicies: [named(c.boundary)] } : {}),
      };
    },
  };
}

export const SIM_TO_IRSA: Readonly<Record<SimResult, DecisionKind>> = {
  Allowed: 'allowed',
  ExplicitlyDenied: 'explicitDeny',
  ImplicitlyDenied: 'implicitDeny',
};
