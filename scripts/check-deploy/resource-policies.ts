/**
 * One resource policy per topic or queue. AWS::SNS::TopicPolicy and AWS::SQS::QueuePolicy each SET
 * the whole policy of the topics or queues they name: with two on one target, whichever
 * CloudFormation applies last wins and the other's grants vanish without an error (for instance a
 * plugin's policy for EventBridge replacing the one that lets CloudWatch alarms publish).
 */
import type { Finding } from './finding';
import type { Template } from './references';

const POLICY_TARGETS: Record<string, string> = { 'AWS::SNS::TopicPolicy': 'Topics', 'AWS::SQS::QueuePolicy': 'Queues' };

export function checkResourcePolicies(template: Template): Finding[] {
  const policiesByTarget = new Map<string, { type: string; logicalIds: string[] }>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const property = POLICY_TARGETS[resource.Type];
    if (!property) continue;
    for (const target of resource.Properties?.[property] ?? []) {
      const key = JSON.stringify(target);
      const entry = policiesByTarget.get(key) ?? { type: String(resource.Type), logicalIds: [] as string[] };
      entry.logicalIds.push(logicalId);
      policiesByTarget.set(key, entry);
    }
  }
  const findings: Finding[] = [];
  for (const [target, { type, logicalIds }] of policiesByTarget) {
    if (logicalIds.length < 2) continue;
    for (const logicalId of logicalIds) {
      const others = logicalIds.filter((id) => id !== logicalId).join(', ');
      findings.push({
        logicalId,
        path: ['Properties', POLICY_TARGETS[type]],
        message: `${target} also has its policy set by ${others} (${type}): each replaces the whole policy, so the last one applied wins and the other's grants are lost; merge the statements into one ${type}`,
      });
    }
  }
  return findings;
}
