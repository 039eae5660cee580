/**
 * YAML for eksctl's `-o yaml`: the subset ClusterConfig needs (maps, lists, strings, booleans,
 * numbers) in the style of sigs.k8s.io/yaml, which eksctl prints with: two-space maps, list items
 * at their key's indentation. Strings that could read as something else are double-quoted (JSON
 * escapes are valid YAML double-quoted escapes).
 */
type Value = string | number | boolean | null | undefined | readonly Value[] | { readonly [k: string]: Value };

const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;
const NUMBER_LIKE = /^[-+]?(\.?\d|0x|0o|\.inf|\.nan)/i;

function scalar(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v !== 'string') return String(v);
  const plain = /^[A-Za-z0-9_/.@$(][^\n]*$/.test(v) && !/: |:$| #|^[-?:,[\]{}#&*!|>'"%@`]/.test(v) && !/\s$/.test(v) && !RESERVED.test(v) && !NUMBER_LIKE.test(v);
  return plain ? v : JSON.stringify(v);
}

const isList = (v: Value): v is readonly Value[] => Array.isArray(v);
const isMap = (v: Value): v is { readonly [k: string]: Value } => typeof v === 'object' && v !== null && !isList(v);

function lines(v: Value, indent: string): string[] {
  if (isList(v)) {
    if (v.length === 0) return [`${indent}[]`];
    return v.flatMap((item) => {
      const inner = lines(item, `${indent}  `);
      const first = (inner[0] ?? '').slice(indent.length + 2);
      return [`${indent}- ${first}`, ...inner.slice(1)];
    });
  }
  if (isMap(v)) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return [`${indent}{}`];
    return entries.flatMap(([k, x]) => {
      if (isList(x) && x.length) return [`${indent}${scalar(k)}:`, ...lines(x, indent)];
      if (isMap(x) && Object.keys(x).length) return [`${indent}${scalar(k)}:`, ...lines(x, `${indent}  `)];
      return [`${indent}${scalar(k)}: ${lines(x, '')[0] ?? ''}`];
    });
  }
  return [`${indent}${scalar(v as string | number | boolean | null | undefined)}`];
}

export function toYaml(v: Value): string {
  return `${lines(v, '').join('\n')}\n`;
}
