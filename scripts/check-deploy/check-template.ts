/** All the checks of a packaged template, each finding traced back to its source file. */
import { checkStateMachines } from './asl';
import { checkResourceAgainstSpec } from './cfn-spec';
import type { LocatedFinding } from './finding';
import { checkPolicies } from './iam';
import { checkReferences, type Template } from './references';
import { checkResourcePolicies } from './resource-policies';
import { loadSources, locate } from './sources';

export type { Template };

export async function checkTemplate(template: Template, projectRoot: string): Promise<LocatedFinding[]> {
  const findings = [
    ...Object.entries(template.Resources).flatMap(([logicalId, resource]) => checkResourceAgainstSpec(logicalId, resource)),
    ...checkReferences(template),
    ...checkResourcePolicies(template),
    ...(await checkPolicies(template)),
    ...checkStateMachines(template),
  ];
  const sources = loadSources(projectRoot);
  return findings.map((finding) => locate(finding, sources, template));
}
