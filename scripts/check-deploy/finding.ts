/** What the checks report, before and after it is traced back to a source file. */

/** A path into the template: ['Resources', 'OrdersTable', 'Properties', 'KeySchema', 0]. */
export type TemplatePath = (string | number)[];

export interface Finding {
  /** Logical id of the resource the problem is in (the key under Resources). */
  logicalId: string;
  /** Where in that resource, from its top (['Properties', 'VisibilityTimeout']). */
  path: TemplatePath;
  message: string;
  /** Text to look for in the source file when the template path does not exist there (an IAM action, a state name). */
  needle?: string;
}

export interface LocatedFinding extends Finding {
  /** Relative to the project root, e.g. resources/messaging.yml; line is 1-based when known. */
  file: string;
  line?: number;
}

export function pathText(path: TemplatePath): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

export function formatFinding(finding: LocatedFinding): string {
  const where = finding.line ? `${finding.file}:${finding.line}` : finding.file;
  return `${where}: ${finding.logicalId}.${pathText(finding.path)}: ${finding.message}`;
}
