/**
 * State machine definitions: valid Amazon States Language (asl-validator), and every task's
 * target resolvable: each ${Variable} of the DefinitionString's Fn::Sub is defined, and a DynamoDB
 * task's TableName is a table of the template.
 */
import validator from 'asl-validator';
import type { Finding } from './finding';
import { PSEUDO_PARAMETERS, subParts } from './intrinsics';
import type { Template } from './references';

export function checkStateMachines(template: Template): Finding[] {
  const findings: Finding[] = [];
  const tableNames = Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::DynamoDB::Table')
    .map((resource) => resource.Properties?.TableName);
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const properties = resource.Properties ?? {};
    const raw = properties.DefinitionString ?? properties.Definition;
    const propertyName = properties.DefinitionString !== undefined ? 'DefinitionString' : 'Definition';
    const report = (message: string, needle?: string) => findings.push({ logicalId, path: ['Properties', propertyName], message, needle });
    let text: string;
    let variables: Record<string, unknown> = {};
    if (typeof raw === 'string') text = raw;
    else if (raw && typeof raw === 'object' && 'Fn::Sub' in raw && subParts(raw['Fn::Sub'])) [text, variables] = subParts(raw['Fn::Sub'])!;
    else if (raw && typeof raw === 'object' && !('Fn::Sub' in raw)) text = JSON.stringify(raw);
    else continue;

    // Variables stand for ARNs and names known at deploy time; a placeholder keeps the JSON parseable.
    const placeholder = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:placeholder-${name.replace(/[^A-Za-z0-9-]/g, '-')}`;
    const undefinedVariables = new Map<string, string>();
    const placeholderText = text.replace(/\$\{([^!}][^}]*)\}/g, (_, name: string) => {
      const [base, attribute] = name.split('.');
      const defined = attribute === undefined ? variables[name] !== undefined || PSEUDO_PARAMETERS.has(name) || template.Resources[base] : template.Resources[base];
      if (!defined) undefinedVariables.set(placeholder(name), name);
      return placeholder(name);
    });

    let definition: any;
    try {
      definition = JSON.parse(placeholderText);
    } catch (error) {
      report(`the definition is not JSON: ${(error as Error).message}`);
      continue;
    }
    const result = validate(placeholderText, definition);
    for (const error of result.errors ?? []) {
      const message = (error as { Message?: string }).Message ?? JSON.stringify(error);
      const code = (error as { 'Error code'?: string })['Error code'];
      report(`${code ? `${code}: ` : ''}${message}`, stateNameIn(message));
    }
    for (const [stateName, state] of allStates(definition)) {
      const stateText = JSON.stringify(state);
      for (const [marker, name] of undefinedVariables) {
        if (stateText.includes(marker)) report(`state ${stateName}: \${${name}} is neither a variable of the Fn::Sub nor a resource of the template`, stateName);
      }
      const resourceArn = typeof state.Resource === 'string' ? state.Resource : '';
      const table = state.Parameters?.TableName;
      if (/^arn:aws:states:::dynamodb:/.test(resourceArn) && typeof table === 'string' && !tableNames.includes(table)) {
        report(`state ${stateName}: TableName ${table} is not a table of the template (${tableNames.join(', ')})`, stateName);
      }
    }
  }
  return findings;
}

/** asl-validator compiles its schemas on every call (1-2 s): one validation per definition text. */
const validations = new Map<string, ReturnType<typeof validator>>();
function validate(text: string, definition: unknown): ReturnType<typeof validator> {
  if (!validations.has(text)) validations.set(text, validator(definition));
  return validations.get(text)!;
}

/** Every state, including those inside Parallel branches and Map processors. */
function allStates(definition: any): [string, any][] {
  const found: [string, any][] = [];
  for (const [name, state] of Object.entries<any>(definition?.States ?? {})) {
    found.push([name, state]);
    for (const branch of state.Branches ?? []) found.push(...allStates(branch));
    if (state.Iterator) found.push(...allStates(state.Iterator));
    if (state.ItemProcessor) found.push(...allStates(state.ItemProcessor));
  }
  return found;
}

/** The state a validator message is about ("/States/AwaitPayment/..." or "target: AwaitPaymnt"), to find its line in the source. */
function stateNameIn(message: string): string | undefined {
  return /\/States\/([^/ ]+)/.exec(message)?.[1] ?? /target: (\S+)/.exec(message)?.[1];
}
