/**
 * CloudFormation intrinsic functions resolved against local physical ids, so that values written
 * for AWS (provider environment, resource properties, the state machine definition) run locally
 * unchanged: Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, plus the pseudo
 * parameters. Conditions (Fn::If & co), Fn::ImportValue and anything unknown throw, naming what
 * and where, rather than leaving an object in a string field.
 */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_PARTITION = 'aws';

/** What a logical id stands for locally: the value of Ref, and of each Fn::GetAtt attribute. */
export interface PhysicalResource {
  type: string;
  ref: string;
  attributes: Record<string, string>;
}
export type PhysicalIds = Record<string, PhysicalResource>;

export interface IntrinsicContext {
  physicalIds: PhysicalIds;
  /** serverless-step-functions lets definitions name functions by their serverless.yml key
   *  (`Fn::GetAtt: [reserveInventory, Arn]`): key -> logical id. */
  aliases?: Record<string, string>;
  /** Logical ids of resources that exist in the template but are not created locally -> type. */
  unprovisioned?: Record<string, string>;
  region?: string;
  accountId?: string;
  partition?: string;
  stackName?: string;
}

export class IntrinsicResolutionError extends Error {
  constructor(message: string, readonly at: string) {
    super(`${message} (at ${at || '<root>'})`);
    this.name = 'IntrinsicResolutionError';
  }
}

export type Resolver = <T = unknown>(value: unknown, at?: string) => T;

const UNSUPPORTED_FUNCTIONS = new Set(['Fn::If', 'Fn::Equals', 'Fn::And', 'Fn::Or', 'Fn::Not', 'Fn::ImportValue', 'Fn::GetAZs', 'Fn::FindInMap', 'Fn::Base64', 'Fn::Cidr', 'Fn::Transform']);

function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

export function createIntrinsicResolver(context: IntrinsicContext): Resolver {
  const region = context.region ?? LOCAL_REGION;
  const accountId = context.accountId ?? LOCAL_ACCOUNT_ID;
  const partition = context.partition ?? LOCAL_PARTITION;
  const pseudo: Record<string, string> = {
    'AWS::Region': region,
    'AWS::AccountId': accountId,
    'AWS::Partition': partition,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': context.stackName ?? 'local',
    'AWS::StackId': `arn:${partition}:cloudformation:${region}:${accountId}:stack/${context.stackName ?? 'local'}/local`,
  };

  const known = () => Object.keys(context.physicalIds).sort().join(', ');

  function physical(logicalId: string, at: string): PhysicalResource {
    const target = context.physicalIds[logicalId] ?? context.physicalIds[context.aliases?.[logicalId] ?? ''];
    if (!target) {
      const skippedType = context.unprovisioned?.[logicalId];
      if (skippedType) throw new IntrinsicResolutionError(`"${logicalId}" is a ${skippedType}, which the local cloud does not create`, at);
      throw new IntrinsicResolutionError(`unknown logical id "${logicalId}"; known: ${known()}`, at);
    }
    return target;
  }

  function ref(name: string, at: string): string {
    if (name in pseudo) return pseudo[name];
    if (name === 'AWS::NoValue') throw new IntrinsicResolutionError('Ref AWS::NoValue is not supported locally', at);
    return physical(name, at).ref;
  }

  function getAtt(logicalId: string, attribute: string, at: string): string {
    const target = physical(logicalId, at);
    const value = target.attributes[attribute];
    if (value === undefined) {
      const available = Object.keys(target.attributes).join(', ') || 'none';
      throw new IntrinsicResolutionError(`${target.type} "${logicalId}" has no attribute "${attribute}" locally; available: ${available}`, at);
    }
    return value;
  }

  function sub(template: string, variables: Record<string, unknown>, at: string): string {
    // ${!Literal} is an escaped "${Literal}".
    return template.replace(/\$\{(!?)([^}]+)\}/g, (_whole, escaped: string, expression: string) => {
      if (escaped) return '${' + expression + '}';
      const name = expression.trim();
      if (name in variables) return String(variables[name]);
      if (name in pseudo) return pseudo[name];
      const dot = name.indexOf('.');
      return dot > 0 ? getAtt(name.slice(0, dot), name.slice(dot + 1), at) : ref(name, at);
    });
  }

  function resolveIntrinsic(fn: string, argument: unknown, at: string): unknown {
    const here = `${at}.${fn}`;
    switch (fn) {
      case 'Ref':
        if (typeof argument !== 'string') throw new IntrinsicResolutionError('Ref takes a logical id', here);
        return ref(argument, here);
      case 'Fn::GetAtt': {
        const parts = typeof argument === 'string' ? splitOnce(argument, '.') : (resolve(argument, here) as unknown[]);
        if (!Array.isArray(parts) || parts.length !== 2) throw new IntrinsicResolutionError('Fn::GetAtt takes [logicalId, attribute]', here);
        return getAtt(String(parts[0]), String(parts[1]), here);
      }
      case 'Fn::Sub': {
        if (typeof argument === 'string') return sub(argument, {}, here);
        if (Array.isArray(argument) && argument.length === 2 && typeof argument[0] === 'string') {
          const variables = resolve(argument[1] ?? {}, `${here}[1]`) as Record<string, unknown>;
          return sub(argument[0], variables, here);
        }
        throw new IntrinsicResolutionError('Fn::Sub takes a string or [string, {variables}]', here);
      }
      case 'Fn::Join': {
        const [delimiter, list] = (Array.isArray(argument) ? argument : []) as [unknown, unknown];
        const items = resolve(list, `${here}[1]`);
        if (typeof delimiter !== 'string' || !Array.isArray(items)) throw new IntrinsicResolutionError('Fn::Join takes [delimiter, [values]]', here);
        return items.map(String).join(delimiter);
      }
      case 'Fn::Select': {
        const [index, list] = resolve(argument, here) as [unknown, unknown];
        if (!Array.isArray(list)) throw new IntrinsicResolutionError('Fn::Select takes [index, [values]]', here);
        const position = Number(index);
        if (!Number.isInteger(position) || position < 0 || position >= list.length) {
          throw new IntrinsicResolutionError(`Fn::Select index ${String(index)} is outside a list of ${list.length}`, here);
        }
        return list[position];
      }
      case 'Fn::Split': {
        const [delimiter, source] = resolve(argument, here) as [unknown, unknown];
        if (typeof delimiter !== 'string' || typeof source !== 'string') throw new IntrinsicResolutionError('Fn::Split takes [delimiter, string]', here);
        return source.split(delimiter);
      }
      default:
        if (UNSUPPORTED_FUNCTIONS.has(fn)) throw new IntrinsicResolutionError(`${fn} is not supported by the local cloud`, here);
        throw new IntrinsicResolutionError(`unknown intrinsic function ${fn}`, here);
    }
  }

  function resolve(value: unknown, at: string): unknown {
    if (Array.isArray(value)) return value.map((item, index) => resolve(item, `${at}[${index}]`));
    if (isIntrinsic(value)) {
      const [fn] = Object.keys(value);
      return resolveIntrinsic(fn, value[fn], at);
    }
    if (value && typeof value === 'object') {
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) result[key] = resolve(item, at ? `${at}.${key}` : key);
      return result;
    }
    return value;
  }

  return <T>(value: unknown, at = '') => resolve(value, at) as T;
}

function splitOnce(text: string, separator: string): string[] {
  const index = text.indexOf(separator);
  return index < 0 ? [text] : [text.slice(0, index), text.slice(index + 1)];
}

/** Logical ids every intrinsic in `value` points at (Ref, Fn::GetAtt, ${X} / ${X.Attr} in Fn::Sub). */
export function referencedLogicalIds(value: unknown): Set<string> {
  const found = new Set<string>();
  const visit = (item: unknown): void => {
    if (Array.isArray(item)) return item.forEach(visit);
    if (!item || typeof item !== 'object') return;
    for (const [key, argument] of Object.entries(item)) {
      if (key === 'Ref' && typeof argument === 'string' && !argument.startsWith('AWS::')) found.add(argument);
      else if (key === 'Fn::GetAtt') {
        const first = typeof argument === 'string' ? argument.split('.')[0] : Array.isArray(argument) ? argument[0] : undefined;
        if (typeof first === 'string') found.add(first);
        else visit(argument);
      } else if (key === 'Fn::Sub') {
        const template = typeof argument === 'string' ? argument : Array.isArray(argument) ? argument[0] : '';
        const variables = Array.isArray(argument) && argument[1] && typeof argument[1] === 'object' ? Object.keys(argument[1]) : [];
        for (const match of String(template).matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = match[1].split('.')[0].trim();
          if (!name.startsWith('AWS::') && !variables.includes(name)) found.add(name);
        }
        if (Array.isArray(argument)) visit(argument[1]);
      } else visit(argument);
    }
  };
  visit(value);
  return found;
}
