/** CloudFormation intrinsic functions as they appear in a packaged (JSON) template. */

export const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region',
  'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix',
]);

/** An object whose only key is Ref or Fn::X: its value is known only at deploy time. */
export function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition');
}

/** The ${Name} and ${Name.Attribute} variables of an Fn::Sub text (${!Literal} is an escape). */
export function subVariables(text: string): { name: string; attribute?: string }[] {
  return [...text.matchAll(/\$\{([^!}][^}]*)\}/g)].map(([, inner]) => {
    const dot = inner.indexOf('.');
    return dot < 0 || inner.startsWith('AWS::') ? { name: inner.trim() } : { name: inner.slice(0, dot).trim(), attribute: inner.slice(dot + 1).trim() };
  });
}

/** [text, variables] of an Fn::Sub in either of its forms. */
export function subParts(sub: unknown): [string, Record<string, unknown>] | undefined {
  if (typeof sub === 'string') return [sub, {}];
  if (Array.isArray(sub) && typeof sub[0] === 'string') return [sub[0], (sub[1] as Record<string, unknown>) ?? {}];
  return undefined;
}

/** [logicalId, attribute] of an Fn::GetAtt in either of its forms. */
export function getAttParts(value: unknown): [string, string] | undefined {
  if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') return [value[0], value[1]];
  if (typeof value === 'string' && value.includes('.')) {
    const dot = value.indexOf('.');
    return [value.slice(0, dot), value.slice(dot + 1)];
  }
  return undefined;
}
