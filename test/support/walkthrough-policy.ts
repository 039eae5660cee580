import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './shared.js';

/** The walkthrough's permission policy, exactly as it is written there (examples/walkthrough-policy.json). */
export interface WalkthroughPolicy {
  readonly Version: string;
  readonly Statement: readonly { readonly Effect: string; readonly Action: string | readonly string[]; readonly Resource: string | readonly string[] }[];
}

export const WALKTHROUGH_POLICY = JSON.parse(readFileSync(join(repoRoot, 'examples', 'walkthrough-policy.json'), 'utf8')) as WalkthroughPolicy;
