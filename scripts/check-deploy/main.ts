/**
 * npm run check:deploy: packages the service offline and checks the CloudFormation template as
 * CloudFormation and IAM would at deploy time, so that a typo fails here rather than halfway
 * through a stack update. Each problem names the source file (resources/*.yml,
 * functions/<name>/function.yml, the ASL file or serverless.yml) and the property.
 *
 * Checked: resource properties against the CloudFormation resource specification (unknown names,
 * types, required properties, enum values where the spec has them); Ref / Fn::GetAtt / Fn::Sub
 * targets and attributes; IAM actions and whether each action's Resource is an ARN of a type it
 * applies to; state machine definitions (ASL, and every task target defined).
 *
 * Usage: npm run check:deploy [-- --template <packaged template.json>]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkTemplate, type Template } from './check-template';
import { formatFinding } from './finding';
import { packageService } from './package-service';

async function main(): Promise<number> {
  const started = Date.now();
  const root = resolve(__dirname, '..', '..');
  const templateArgument = process.argv.indexOf('--template');
  let template: Template;
  let outDir: string | undefined;
  if (templateArgument > 0) {
    template = JSON.parse(readFileSync(process.argv[templateArgument + 1], 'utf8'));
  } else {
    outDir = mkdtempSync(join(tmpdir(), 'check-deploy-'));
    try {
      template = await packageService(root, outDir);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }
  const findings = await checkTemplate(template, root);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (findings.length === 0) {
    console.log(`check:deploy: ${Object.keys(template.Resources).length} resources, no problem CloudFormation or IAM would reject (${seconds} s)`);
    return 0;
  }
  console.error(`check:deploy: ${findings.length} problem(s) a deploy would hit:\n`);
  for (const finding of findings) console.error(`  ${formatFinding(finding)}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
