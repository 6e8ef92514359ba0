/**
 * The CloudFormation resource specification, from @aws-cdk/aws-service-spec (the database the CDK
 * generates its L1 classes from), and the checks of a resource's properties against it.
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { Property, PropertyType, Resource, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';
import type { Finding, TemplatePath } from './finding';
import { isIntrinsic } from './intrinsics';

let database: SpecDatabase | undefined;

/** Loading takes 2-4 s (a 15 MB JSON): once per process. */
export function specDatabase(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

export function resourceSpec(type: string): Resource | undefined {
  return specDatabase().lookup('resource', 'cloudFormationType', 'equals', type)[0];
}

/** What { Ref: X } gives for X's type: the name of its identifier (TopicArn, QueueUrl, TableName...), when it is a single one. */
export function refIdentifier(spec: Resource): string | undefined {
  const ids = spec.cfnRefIdentifier ?? spec.primaryIdentifier ?? [];
  return ids.length === 1 ? ids[0] : undefined;
}

/** Keys a resource entry may have beside Type and Properties. */
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'DeletionPolicy', 'UpdateReplacePolicy', 'Condition', 'Metadata', 'CreationPolicy', 'UpdatePolicy']);
const DELETION_POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'];

export function checkResourceAgainstSpec(logicalId: string, resource: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  const report = (path: TemplatePath, message: string) => findings.push({ logicalId, path, message });
  for (const key of Object.keys(resource)) {
    if (!RESOURCE_KEYS.has(key)) report([key], `not a resource attribute${suggestion(key, [...RESOURCE_KEYS])}`);
  }
  for (const key of ['DeletionPolicy', 'UpdateReplacePolicy']) {
    const value = resource[key];
    if (value !== undefined && !isIntrinsic(value) && !DELETION_POLICIES.includes(value as string)) {
      report([key], `${JSON.stringify(value)} is not one of ${DELETION_POLICIES.join(', ')}`);
    }
  }
  const type = resource.Type;
  if (typeof type !== 'string') {
    report(['Type'], 'missing resource Type');
    return findings;
  }
  if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return findings;
  const spec = resourceSpec(type);
  if (!spec) {
    report(['Type'], `${type} is not a CloudFormation resource type`);
    return findings;
  }
  const properties = resource.Properties ?? {};
  if (typeof properties !== 'object' || Array.isArray(properties)) {
    report(['Properties'], 'must be an object');
    return findings;
  }
  checkObject(properties as Record<string, unknown>, spec.properties, ['Properties'], report);
  return findings;
}

type Report = (path: TemplatePath, message: string) => void;

function checkObject(value: Record<string, unknown>, properties: Record<string, Property>, path: TemplatePath, report: Report): void {
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && value[name] === undefined) report([...path, name], 'required property is missing');
  }
  for (const [name, inner] of Object.entries(value)) {
    const property = properties[name];
    if (!property) {
      report([...path, name], `unknown property${suggestion(name, Object.keys(properties))}`);
      continue;
    }
    // A property's earlier types are still accepted by CloudFormation.
    const types = [property.type, ...(property.previousTypes ?? [])];
    const problems = types.map((type) => typeProblems(inner, type, [...path, name]));
    const accepted = problems.find((list) => list.length === 0);
    if (!accepted) for (const [problemPath, message] of problems[0]) report(problemPath, message);
  }
}

/** [path, message] pairs for a value that does not fit a type; none when it fits. */
function typeProblems(value: unknown, type: PropertyType, path: TemplatePath): [TemplatePath, string][] {
  if (isIntrinsic(value)) return [];
  const describe = () => `${JSON.stringify(value)?.slice(0, 60)}`;
  switch (type.type) {
    case 'string':
    case 'date-time':
      if (typeof value === 'object' || value === null) return [[path, `expected a string, got ${describe()}`]];
      if (type.type === 'string' && type.allowedValues && !type.allowedValues.includes(String(value))) {
        return [[path, `${describe()} is not one of ${type.allowedValues.join(', ')}`]];
      }
      return [];
    case 'integer':
    case 'number': {
      // CloudFormation converts numeric strings ("60") as serverless often writes them.
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof number !== 'number' || Number.isNaN(number)) return [[path, `expected a${type.type === 'integer' ? 'n integer' : ' number'}, got ${describe()}`]];
      if (type.type === 'integer' && !Number.isInteger(number)) return [[path, `expected an integer, got ${describe()}`]];
      if (type.type === 'integer' && type.allowedValues && !type.allowedValues.includes(number)) {
        return [[path, `${describe()} is not one of ${type.allowedValues.join(', ')}`]];
      }
      return [];
    }
    case 'boolean':
      if (typeof value === 'boolean' || value === 'true' || value === 'false') return [];
      return [[path, `expected true or false, got ${describe()}`]];
    case 'json':
      return typeof value === 'object' || typeof value === 'string' ? [] : [[path, `expected an object (JSON), got ${describe()}`]];
    case 'null':
      return value === null ? [] : [[path, `expected null, got ${describe()}`]];
    case 'tag':
      return typeProblems(value, TAG_TYPE, path);
    case 'array':
      if (!Array.isArray(value)) return [[path, `expected a list, got ${describe()}`]];
      return value.flatMap((element, i) => typeProblems(element, type.element, [...path, i]));
    case 'map':
      if (!value || typeof value !== 'object' || Array.isArray(value)) return [[path, `expected a map, got ${describe()}`]];
      return Object.entries(value).flatMap(([key, element]) => typeProblems(element, type.element, [...path, key]));
    case 'ref': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return [[path, `expected an object, got ${describe()}`]];
      const definition = specDatabase().get('typeDefinition', type.reference) as TypeDefinition;
      const problems: [TemplatePath, string][] = [];
      checkObject(value as Record<string, unknown>, definition.properties, path, (p, m) => problems.push([p, m]));
      return problems;
    }
    case 'union': {
      const all = type.types.map((member) => typeProblems(value, member, path));
      if (all.some((list) => list.length === 0)) return [];
      // The member whose problems are deepest describes the mistake best (an object with one bad field, not "expected a string").
      return all.sort((a, b) => depth(b) - depth(a))[0];
    }
    default:
      return [];
  }
}

const TAG_TYPE: PropertyType = { type: 'map', element: { type: 'string' } };

const depth = (problems: [TemplatePath, string][]) => Math.max(...problems.map(([path]) => path.length));

/** " (did you mean X?)" when a known name is close to the given one. */
export function suggestion(name: string, known: string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? ` (did you mean ${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
