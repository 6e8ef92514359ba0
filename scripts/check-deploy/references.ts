/** Ref, Fn::GetAtt, Fn::Sub variables and DependsOn must name things the template has. */
import { resourceSpec, suggestion } from './cfn-spec';
import type { Finding, TemplatePath } from './finding';
import { PSEUDO_PARAMETERS, getAttParts, subParts, subVariables } from './intrinsics';

export interface Template {
  Resources: Record<string, Record<string, any>>;
  Parameters?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
  [key: string]: unknown;
}

export function checkReferences(template: Template): Finding[] {
  const findings: Finding[] = [];
  const resources = template.Resources;
  const names = [...Object.keys(resources), ...Object.keys(template.Parameters ?? {})];

  const checkTarget = (logicalId: string, path: TemplatePath, target: string, attribute: string | undefined, how: string) => {
    if (attribute === undefined && (PSEUDO_PARAMETERS.has(target) || template.Parameters?.[target] !== undefined)) return;
    const resource = resources[target];
    if (!resource) {
      findings.push({ logicalId, path, message: `${how} names ${target}, which is not in the template${suggestion(target, names)}`, needle: target });
      return;
    }
    if (attribute === undefined) return;
    const spec = resourceSpec(resource.Type);
    if (!spec) return;
    const attributes = Object.keys(spec.attributes);
    if (!attributes.includes(attribute)) {
      findings.push({
        logicalId, path, needle: attribute,
        message: `${how} asks ${target} (${resource.Type}) for ${attribute}, which it does not have; it has ${attributes.join(', ') || 'no attributes'}`,
      });
    }
  };

  const walk = (logicalId: string, value: unknown, path: TemplatePath): void => {
    if (Array.isArray(value)) return value.forEach((element, i) => walk(logicalId, element, [...path, i]));
    if (!value || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      const innerPath = [...path, key];
      if (key === 'Ref' && typeof inner === 'string') checkTarget(logicalId, innerPath, inner, undefined, 'Ref');
      else if (key === 'Fn::GetAtt') {
        const parts = getAttParts(inner);
        if (parts) checkTarget(logicalId, innerPath, parts[0], parts[1], 'Fn::GetAtt');
        else walk(logicalId, inner, innerPath);
      } else if (key === 'Fn::Sub') {
        const parts = subParts(inner);
        if (!parts) {
          walk(logicalId, inner, innerPath);
          continue;
        }
        const [text, variables] = parts;
        // A state machine definition's undefined variables are reported with their state (asl.ts).
        const isDefinition = innerPath.includes('DefinitionString');
        for (const { name, attribute } of subVariables(text)) {
          if (attribute === undefined && variables[name] !== undefined) continue;
          if (isDefinition && !resources[name]) continue;
          checkTarget(logicalId, innerPath, name, attribute, `Fn::Sub variable \${${attribute ? `${name}.${attribute}` : name}}`);
        }
        walk(logicalId, variables, [...innerPath, 1]);
      } else walk(logicalId, inner, innerPath);
    }
  };

  for (const [logicalId, resource] of Object.entries(resources)) {
    walk(logicalId, resource.Properties, ['Properties']);
    for (const [i, dependency] of [resource.DependsOn ?? []].flat().entries()) {
      if (!resources[dependency]) {
        findings.push({ logicalId, path: ['DependsOn', i], message: `DependsOn names ${dependency}, which is not in the template${suggestion(dependency, names)}`, needle: dependency });
      }
    }
  }
  for (const [name, output] of Object.entries(template.Outputs ?? {})) walk(`Outputs.${name}`, output, []);
  return findings;
}
