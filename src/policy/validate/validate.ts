import type {
  ConditionEntry,
  Effect,
  PolicyDocument,
  PolicyKind,
  PolicyVersion,
  PrincipalElement,
  PrincipalType,
  Statement,
} from '../document.js';
import { PRINCIPAL_TYPES } from '../document.js';
import { MSG, PolicyError, malformed } from '../errors.js';
import { JsonSyntaxError, isJsonObject, parseJson, type JsonValue } from '../json.js';
import { parseOperator } from '../conditions/operator.js';
import { dateValuePassesLegacyParsing } from './date-format.js';
import { resourceFormatError, resourcePassesLegacyParsing } from './resource-format.js';

/**
 * Parse and validate a policy document for its kind, rejecting what IAM rejects with IAM's
 * message. The order of checks is IAM's: JSON syntax and grammar, then Version, then "legacy
 * parsing" (Effect case, Date values, resource shapes), then Sid uniqueness, actions present,
 * resource formats, action prefixes, and finally the rules of the policy kind.
 * Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
export interface ValidateOptions {
  /**
   * Size quota, counted without whitespace as IAM does. Defaults per kind: identity and boundary
   * (managed policies) 6144 `PolicySize`; trust 2048 `ACLSizePerRole`; others unlimited.
   */
  readonly sizeQuota?: { readonly name: string; readonly limit: number } | null;
  /** Require Version 2012-10-17 (IAM does for identity policies). Default: identity and boundary. */
  readonly requireCurrentVersion?: boolean;
}

const DEFAULT_QUOTA: Partial<Record<PolicyKind, { name: string; limit: number }>> = {
  identity: { name: 'PolicySize', limit: 6144 },
  boundary: { name: 'PolicySize', limit: 6144 },
  trust: { name: 'ACLSizePerRole', limit: 2048 },
};

const TOP_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
]);

/** Characters IAM does not count toward a policy's size. */
export function policySize(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) n++;
  }
  return n;
}

/** Syntax failures inside the grammar checks; turned into IAM's one syntax message. */
class SyntaxFailure extends Error {}

function need(cond: unknown): asserts cond {
  if (!cond) throw new SyntaxFailure();
}

export function validatePolicy(input: string | JsonValue, kind: PolicyKind, options: ValidateOptions = {}): PolicyDocument {
  let raw: JsonValue;
  const quota = options.sizeQuota === undefined ? DEFAULT_QUOTA[kind] : options.sizeQuota;
  // A document given as a value is measured in its compact JSON form.
  if (quota && policySize(typeof input === 'string' ? input : JSON.stringify(input)) > quota.limit) {
    throw new PolicyError('LimitExceeded', `Cannot exceed quota for ${quota.name}: ${quota.limit}`);
  }
  if (typeof input === 'string') {
    try {
      raw = parseJson(input);
    } catch (e) {
      if (e instanceof JsonSyntaxError) throw malformed(MSG.syntax);
      throw e;
    }
  } else {
    raw = input;
  }

  let doc: PolicyDocument;
  try {
    doc = readDocument(raw);
  } catch (e) {
    if (e instanceof SyntaxFailure) throw malformed(MSG.syntax);
    throw e;
  }

  const requireCurrent = options.requireCurrentVersion ?? (kind === 'identity' || kind === 'boundary');
  if (requireCurrent && doc.version !== '2012-10-17') throw malformed(MSG.version);

  const rawStatements = statementObjects(raw);
  checkLegacyParsing(doc, rawStatements);
  checkSidUniqueness(doc);
  for (const st of doc.statements) {
    const list = st.action ?? st.notAction;
    if (!list || list.length === 0) throw malformed(MSG.needActions);
  }
  const resourceError = firstResourceError(doc);
  if (resourceError) throw malformed(resourceError);
  for (const st of doc.statements) for (const a of st.action ?? []) checkActionPrefix(a);
  for (const st of doc.statements) for (const a of st.notAction ?? []) checkActionPrefix(a);

  checkKindRules(doc, kind);
  return doc;
}

function statementObjects(raw: JsonValue): JsonValue[] {
  const s = isJsonObject(raw) ? raw['Statement'] : undefined;
  return Array.isArray(s) ? s : s === undefined ? [] : [s];
}

// ---- grammar ---------------------------------------------------------------------------------

function readDocument(raw: JsonValue): PolicyDocument {
  need(isJsonObject(raw));
  for (const k of Object.keys(raw)) need(TOP_KEYS.has(k));
  const version = raw['Version'];
  need(version === undefined || version === '2008-10-17' || version === '2012-10-17');
  const id = raw['Id'];
  need(id === undefined || typeof id === 'string');
  const st = raw['Statement'];
  need(st !== undefined && (isJsonObject(st) || Array.isArray(st)));
  const list = Array.isArray(st) ? st : [st];
  need(list.length > 0);
  return {
    version: version as PolicyVersion | undefined,
    id: id as string | undefined,
    statements: list.map((s, i) => readStatement(s, i)),
  };
}

function readStatement(raw: JsonValue, index: number): Statement {
  need(isJsonObject(raw));
  for (const k of Object.keys(raw)) need(STATEMENT_KEYS.has(k));
  need(!('Action' in raw && 'NotAction' in raw));
  need(!('Resource' in raw && 'NotResource' in raw));
  need(!('Principal' in raw && 'NotPrincipal' in raw));
  const effect = raw['Effect'];
  need(typeof effect === 'string' && (effect.toLowerCase() === 'allow' || effect.toLowerCase() === 'deny'));
  const sid = raw['Sid'];
  need(sid === undefined || typeof sid === 'string');
  return {
    index,
    sid: sid as string | undefined,
    // Case is checked by legacy parsing, after Version; keep what was written until then.
    effect: effect as Effect,
    action: stringList(raw['Action']),
    notAction: stringList(raw['NotAction']),
    resource: stringList(raw['Resource']),
    notResource: stringList(raw['NotResource']),
    principal: readPrincipal(raw['Principal']),
    notPrincipal: readPrincipal(raw['NotPrincipal']),
    conditions: readConditions(raw['Condition']),
  };
}

/** A string or a list of strings; `null` list members are ignored, as IAM ignores them. */
function stringList(v: JsonValue | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return [v];
  need(Array.isArray(v));
  const out: string[] = [];
  for (const x of v) {
    need(x === null || typeof x === 'string');
    if (x !== null) out.push(x);
  }
  return out;
}

function readPrincipal(v: JsonValue | undefined): PrincipalElement | undefined {
  if (v === undefined) return undefined;
  if (v === '*') return '*';
  need(isJsonObject(v));
  const keys = Object.keys(v);
  need(keys.length > 0);
  const out: Partial<Record<PrincipalType, readonly string[]>> = {};
  for (const k of keys) {
    need((PRINCIPAL_TYPES as readonly string[]).includes(k));
    const values = stringList(v[k]);
    need(values !== undefined && values.length > 0);
    out[k as PrincipalType] = values;
  }
  return out as PrincipalElement;
}

function readConditions(v: JsonValue | undefined): ConditionEntry[] {
  if (v === undefined) return [];
  need(isJsonObject(v));
  const out: ConditionEntry[] = [];
  for (const [operator, block] of Object.entries(v)) {
    need(isJsonObject(block));
    const entries = Object.entries(block);
    // An unknown operator is tolerated only with an empty block.
    need(parseOperator(operator) !== undefined || entries.length === 0);
    for (const [key, raw] of entries) out.push({ operator, key, values: conditionValues(raw) });
  }
  return out;
}

function conditionValues(v: JsonValue): string[] {
  if (typeof v === 'string') return [v];
  if (typeof v === 'boolean' || typeof v === 'number') return [String(v)];
  need(Array.isArray(v));
  return v.map((x) => {
    need(typeof x === 'string' || typeof x === 'boolean' || typeof x === 'number');
    return String(x);
  });
}

// ---- legacy parsing, uniqueness, formats ------------------------------------------------------

function checkLegacyParsing(doc: PolicyDocument, raw: JsonValue[]): void {
  doc.statements.forEach((st, i) => {
    if (st.effect !== 'Allow' && st.effect !== 'Deny') throw malformed(MSG.legacy);
    const rawCond = raw[i] !== undefined && isJsonObject(raw[i]) ? (raw[i] as Record<string, JsonValue>)['Condition'] : undefined;
    for (const c of st.conditions) {
      const op = parseOperator(c.operator);
      if (op?.family !== 'Date') continue;
      // A boolean is not a date at all.
      const rawValue = isJsonObject(rawCond) && isJsonObject(rawCond[c.operator]) ? (rawCond[c.operator] as Record<string, JsonValue>)[c.key] : undefined;
      if (typeof rawValue === 'boolean') throw malformed(MSG.legacy);
      for (const v of c.values) if (!dateValuePassesLegacyParsing(v)) throw malformed(MSG.legacy);
    }
  });
  let resourceErrorSeen = false;
  for (const key of ['resource', 'notResource'] as const) {
    for (const st of doc.statements) {
      const list = st[key];
      if (!list) continue;
      for (const r of list) if (resourceFormatError(r)) resourceErrorSeen = true;
      if (!resourceErrorSeen && !list.every(resourcePassesLegacyParsing)) throw malformed(MSG.legacy);
    }
  }
}

function checkSidUniqueness(doc: PolicyDocument): void {
  const seen = new Set<string>();
  for (const st of doc.statements) {
    if (!st.sid) continue;
    if (seen.has(st.sid)) throw malformed(MSG.sidUnique);
    seen.add(st.sid);
  }
}

/**
 * IAM reports one resource problem; of several it names the last found when each statement's list
 * is read in descending order (Resource elements first, then NotResource).
 */
function firstResourceError(doc: PolicyDocument): string | undefined {
  let error: string | undefined;
  for (const key of ['resource', 'notResource'] as const) {
    for (const st of doc.statements) {
      const list = st[key];
      if (!list) continue;
      const ordered = list.length > 1 ? [...list].sort().reverse() : list;
      for (const r of ordered) {
        const e = resourceFormatError(r);
        if (e) error = e;
      }
    }
  }
  return error;
}

function checkActionPrefix(action: string): void {
  const parts = action.split(':');
  if (parts.length === 1 && parts[0] !== '*') throw malformed(MSG.vendor);
  if (parts.length > 2) throw malformed(MSG.oneColon);
  const vendor = parts[0] ?? '';
  if (vendor !== '*' && /[^a-zA-Z0-9.-]/.test(vendor)) throw malformed(`Vendor ${vendor} is not valid`);
}

// ---- rules per kind ---------------------------------------------------------------------------

/** Actions a role trust policy may name. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html */
function isTrustAction(a: string): boolean {
  return a.toLowerCase().startsWith('sts:');
}

function checkKindRules(doc: PolicyDocument, kind: PolicyKind): void {
  const hasPrincipal = (st: Statement): boolean => st.principal !== undefined || st.notPrincipal !== undefined;
  switch (kind) {
    case 'identity':
    case 'boundary':
    case 'session':
    case 'scp':
      for (const st of doc.statements) {
        if (!(st.resource ?? st.notResource)?.length) throw malformed(MSG.needResources);
      }
      if (doc.statements.some(hasPrincipal)) throw malformed(MSG.noPrincipal);
      return;
    case 'trust':
      for (const st of doc.statements) {
        if (st.notAction || !(st.action ?? []).every(isTrustAction)) throw malformed(MSG.trustActions);
      }
      if (doc.statements.some((st) => st.resource || st.notResource)) throw malformed(MSG.trustResource);
      if (!doc.statements.every(hasPrincipal)) throw malformed(MSG.needPrincipal);
      // IAM trust policies accept Principal only; NotPrincipal is for resource policies.
      if (doc.statements.some((st) => st.notPrincipal)) throw malformed(MSG.syntax);
      return;
    case 'resource':
      if (!doc.statements.every(hasPrincipal)) throw malformed(MSG.needPrincipal);
      return;
  }
}
