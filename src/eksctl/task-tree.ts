/**
 * How eksctl announces what it is about to do: its `TaskTree.Describe()`
 * (pkg/utils/tasks/tasks.go), reproduced so that irsa's "1 task: { … }" lines read as eksctl's.
 * For one iamserviceaccount it prints
 *
 *     1 task: {
 *         2 sequential sub-tasks: {
 *             create IAM role for serviceaccount "weasel/weasel-eks-pod-sa",
 *             create serviceaccount "weasel/weasel-eks-pod-sa",
 *         } }
 */
export type Task = string | TaskTree;

export interface TaskTree {
  readonly tasks: readonly Task[];
  readonly parallel?: boolean;
  readonly subTask?: boolean;
  readonly planMode?: boolean;
}

const INDENT = ' '.repeat(4);

function describeTask(t: Task): string {
  return typeof t === 'string' ? t : describeTree(t);
}

/** eksctl's `Describe()`; ends with a newline when the tree has more than one task, as eksctl's does. */
export function describeTree(t: TaskTree): string {
  if (t.tasks.length === 0) return 'no tasks';
  const descriptions = t.tasks.map((x) => describeTask(x).replace(/\n$/, ''));
  let noun = t.subTask ? 'sub-task' : 'task';
  if (descriptions.length === 1) {
    return t.subTask ? (descriptions[0] as string) : `1 ${noun}: { ${descriptions[0] as string} }`;
  }
  const count = descriptions.length;
  const mode = t.parallel ? 'parallel' : 'sequential';
  noun += 's';
  let head = `\n${count} ${mode} ${noun}: { `;
  let tail: string;
  if (t.subTask) {
    head = `\n${INDENT}${count} ${mode} ${noun}: { `;
    tail = '\n';
    for (let d of descriptions) {
      if (d.includes('sub-task')) {
        d = d
          .replace(/^\n/, '')
          .split('\n')
          .map((s) => INDENT + s)
          .join('\n');
      } else {
        d = INDENT + INDENT + d;
      }
      tail += `${d},\n`;
    }
    tail += `${INDENT}}`;
  } else {
    tail = `${descriptions.join(', ')} \n}`;
  }
  let msg = head + tail;
  if (t.planMode) msg = `(plan) ${msg}`;
  return `${msg}\n`;
}
