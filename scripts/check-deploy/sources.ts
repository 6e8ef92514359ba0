/**
 * Traces a template finding back to the file a person edits: resources/<file>.yml for the
 * resources written by hand, functions/<name>/function.yml for what serverless generates from a
 * function (its Lambda, role, log group, permissions, event sources), the ASL file for the state
 * machine definition, and serverless.yml for the rest.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parse, parseDocument, type Document } from 'yaml';
import type { Finding, LocatedFinding, TemplatePath } from './finding';

interface SourceFile {
  file: string;
  text: string;
  document: Document;
  lines: LineCounter;
}

interface Sources {
  /** Logical id -> resources/*.yml that declares it. */
  resources: Map<string, SourceFile>;
  /** Normalized function name (CreateCheckout) -> its function.yml, longest first. */
  functions: [string, SourceFile][];
  /** The ASL file when there is one state machine. */
  stateMachine?: SourceFile;
  serverless: SourceFile;
}

function load(root: string, file: string): SourceFile {
  const text = readFileSync(join(root, file), 'utf8');
  const lines = new LineCounter();
  // CloudFormation tags (!Ref, !GetAtt...) are unknown to the parser: read as plain values, silently.
  const document = parseDocument(text, { lineCounter: lines, logLevel: 'silent' });
  return { file, text, document, lines };
}

const fileOf = (value: unknown): string | undefined => /^\$\{file\(([^)]+)\)/.exec(String(value))?.[1];

/** Serverless's logical-id form of a function name: createCheckout -> CreateCheckout, a-b -> ADashB. */
export const normalizedName = (name: string) => `${name[0].toUpperCase()}${name.slice(1)}`.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');

export function loadSources(root: string): Sources {
  const serverless = load(root, 'serverless.yml');
  const config = parse(serverless.text, { logLevel: 'silent' }) ?? {};
  const resources = new Map<string, SourceFile>();
  for (const entry of [config.resources ?? []].flat()) {
    const file = fileOf(entry);
    if (!file) continue;
    const source = load(root, file);
    for (const logicalId of Object.keys(source.document.toJS()?.Resources ?? {})) resources.set(logicalId, source);
  }
  const functions: [string, SourceFile][] = Object.entries(config.functions ?? {})
    .flatMap(([name, value]): [string, SourceFile][] => {
      const file = fileOf(value);
      return file ? [[normalizedName(name), load(root, file)]] : [];
    })
    .sort(([a], [b]) => b.length - a.length);
  const machines = Object.values<any>(config.stepFunctions?.stateMachines ?? {});
  const aslFile = machines.length === 1 ? fileOf(machines[0].definition) : undefined;
  return { resources, functions, serverless, stateMachine: aslFile ? load(root, aslFile) : undefined };
}

export function locate(finding: Finding, sources: Sources, template: { Resources: Record<string, any> }): LocatedFinding {
  const resourceSource = sources.resources.get(finding.logicalId);
  if (resourceSource) {
    return { ...finding, file: resourceSource.file, line: lineOfPath(resourceSource, ['Resources', finding.logicalId, ...finding.path]) ?? lineOfNeedle(resourceSource, finding.needle) };
  }
  const type = template.Resources[finding.logicalId]?.Type;
  if (type === 'AWS::StepFunctions::StateMachine' && sources.stateMachine && /^Definition/.test(String(finding.path[1]))) {
    return { ...finding, file: sources.stateMachine.file, line: lineOfNeedle(sources.stateMachine, finding.needle) };
  }
  const fn = sources.functions.find(([name]) => finding.logicalId.startsWith(name) || finding.logicalId === `HttpApiIntegration${name}`);
  if (fn) {
    const [, source] = fn;
    return { ...finding, file: source.file, line: (type === 'AWS::IAM::Role' ? lineOfStatement(source, finding, template) : undefined) ?? lineOfNeedle(source, finding.needle ?? lambdaKey(finding.path)) };
  }
  return { ...finding, file: sources.serverless.file, line: lineOfNeedle(sources.serverless, finding.needle) };
}

/** The line of the deepest node of the path that the YAML has (a missing property: its parent). */
function lineOfPath(source: SourceFile, path: TemplatePath): number | undefined {
  for (let length = path.length; length > 0; length--) {
    const node = source.document.getIn(path.slice(0, length), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return source.lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * A function's role holds the plugin's default statements first, then the function's
 * iamRoleStatements in order: statement i of the template is iamRoleStatements[i - defaults].
 */
function lineOfStatement(source: SourceFile, finding: Finding, template: { Resources: Record<string, any> }): number | undefined {
  const [properties, policies, policyIndex, document, statementKey, statementIndex, ...rest] = finding.path;
  if (properties !== 'Properties' || policies !== 'Policies' || document !== 'PolicyDocument' || statementKey !== 'Statement' || typeof statementIndex !== 'number') return undefined;
  const statements = template.Resources[finding.logicalId].Properties.Policies[policyIndex].PolicyDocument.Statement as unknown[];
  const written = (source.document.toJS()?.iamRoleStatements ?? []) as unknown[];
  const index = statementIndex - (statements.length - written.length);
  if (index < 0) return undefined;
  return lineOfPath(source, ['iamRoleStatements', index, ...rest.slice(0, 1)]);
}

/** Properties.MemorySize of a Lambda function is memorySize in function.yml. */
function lambdaKey(path: TemplatePath): string | undefined {
  const key = path[0] === 'Properties' ? path[1] : undefined;
  return typeof key === 'string' ? `${key[0].toLowerCase()}${key.slice(1)}` : undefined;
}

function lineOfNeedle(source: SourceFile, needle: string | undefined): number | undefined {
  if (!needle) return undefined;
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(^|[^A-Za-z0-9])${escaped}([^A-Za-z0-9]|$)`);
  const lines = source.text.split('\n').map((line) => line.replace(/#.*$/, ''));
  // A key named so (a state, a resource) first; else the first mention (an action in a list).
  const declaration = new RegExp(`^\\s*${escaped}:`);
  const index = lines.findIndex((line) => declaration.test(line));
  const mention = index >= 0 ? index : lines.findIndex((line) => pattern.test(line));
  return mention < 0 ? undefined : mention + 1;
}
