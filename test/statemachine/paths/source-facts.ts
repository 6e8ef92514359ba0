/**
 * Facts the ASL contract tests read from the product's TypeScript source with the compiler API:
 * domain error names, the error names sent with SendTaskFailure, and handlers' event keys.
 * One program over src/ and functions/ with noResolve/noLib (about 0.5 s instead of 15 s for the
 * full program): packages stay unresolved, which is fine as long as the facts live in our own code;
 * where a fact cannot be read as a literal the functions throw rather than guess.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './harness';

function typescriptFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const full = path.join(directory, entry);
    if (statSync(full).isDirectory()) return typescriptFiles(full);
    return full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
  });
}

let cached: { program: ts.Program; checker: ts.TypeChecker } | undefined;

function sourceProgram() {
  if (!cached) {
    const roots = ['src', 'functions'].flatMap((folder) => typescriptFiles(path.join(REPO_ROOT, folder)));
    const program = ts.createProgram(roots, {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      noResolve: true,
      noLib: true,
      types: [],
      noEmit: true,
    });
    cached = { program, checker: program.getTypeChecker() };
  }
  return cached;
}

function sourceFile(relativePath: string): ts.SourceFile {
  const file = sourceProgram().program.getSourceFile(path.join(REPO_ROOT, relativePath));
  if (!file) throw new Error(`${relativePath} is not in the program`);
  return file;
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  ts.forEachChild(node, (child) => walk(child, visit));
}

function relative(file: ts.SourceFile): string {
  return path.relative(REPO_ROOT, file.fileName);
}

/** `name` of every class in src/domain/errors.ts that extends DomainError (directly or not): its super('Name', ...) literal. */
export function domainErrorNames(): Map<string, string> {
  const file = sourceFile('src/domain/errors.ts');
  const parents = new Map<string, string>();
  const superNames = new Map<string, string | undefined>();
  for (const statement of file.statements) {
    if (!ts.isClassDeclaration(statement) || !statement.name) continue;
    const heritage = statement.heritageClauses?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
    if (heritage) parents.set(statement.name.text, heritage.expression.getText(file));
    let literal: string | undefined;
    walk(statement, (node) => {
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.SuperKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
        literal = node.arguments[0].text;
      }
    });
    superNames.set(statement.name.text, literal);
  }
  const extendsDomainError = (name: string): boolean => {
    const parent = parents.get(name);
    return parent === 'DomainError' || (parent !== undefined && extendsDomainError(parent));
  };
  const names = new Map<string, string>();
  for (const [className, errorName] of superNames) {
    if (!extendsDomainError(className)) continue;
    if (!errorName) throw new Error(`${className} extends DomainError without super('<Name>', ...): its error name cannot be read`);
    names.set(errorName, className);
  }
  return names;
}

/** String-literal values a type stands for, or undefined if it is not (a union of) string literals. */
function stringLiterals(type: ts.Type): string[] | undefined {
  const parts = type.isUnion() ? type.types : [type];
  return parts.every((part) => part.isStringLiteral()) ? parts.map((part) => (part as ts.StringLiteralType).value) : undefined;
}

/**
 * Error names the product sends with SendTaskFailure, i.e. the 2nd argument of every call of
 * `failPaymentWait` (src/adapters/saga.ts, the only place that builds a SendTaskFailureCommand).
 * Maps each name to the call sites that send it.
 */
export function taskFailureNames(): Map<string, string[]> {
  const { program, checker } = sourceProgram();
  const names = new Map<string, string[]>();
  const builders: string[] = [];
  for (const file of program.getRootFileNames().map((name) => program.getSourceFile(name)!)) {
    walk(file, (node) => {
      if (ts.isNewExpression(node) && node.expression.getText(file) === 'SendTaskFailureCommand') builders.push(relative(file));
      // Called as a function or, where use cases take their adapters as parameters, as `saga.failPaymentWait`.
      if (!ts.isCallExpression(node) || !/(^|\.)failPaymentWait$/.test(node.expression.getText(file))) return;
      const where = `${relative(file)}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
      const values = node.arguments[1] && stringLiterals(checker.getTypeAtLocation(node.arguments[1]));
      if (!values) throw new Error(`${where}: failPaymentWait's error is not a string literal (or union of them); the contract test cannot tell which names it sends`);
      for (const value of values) names.set(value, [...(names.get(value) ?? []), where]);
    });
  }
  if (builders.join() !== 'src/adapters/saga.ts') {
    throw new Error(`SendTaskFailureCommand is built in ${builders.join(', ') || 'no file'}; this reader only knows failPaymentWait in src/adapters/saga.ts`);
  }
  return names;
}

export interface EventKeys {
  all: string[];
  required: string[];
}

/**
 * Keys of the event a Lambda handler declares: `export const <exportName> = wrapper(async (event: T) => ...)`
 * (or a plain function), T a type literal, interface or type alias of the same file.
 */
export function handlerEventKeys(handlerFile: string, exportName: string): EventKeys {
  const { checker } = sourceProgram();
  const file = sourceFile(handlerFile);
  let handler: ts.Node | undefined;
  walk(file, (node) => {
    if (ts.isVariableDeclaration(node) && node.name.getText(file) === exportName) handler = node.initializer;
    if (ts.isFunctionDeclaration(node) && node.name?.text === exportName) handler = node;
  });
  if (!handler) throw new Error(`${handlerFile} has no ${exportName}`);
  let fn: ts.SignatureDeclaration | undefined;
  walk(handler, (node) => {
    if (!fn && (ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node))) fn = node;
  });
  const parameter = fn?.parameters[0];
  if (!parameter?.type) throw new Error(`${handlerFile}: ${exportName}'s function has no typed event parameter`);
  const properties = checker.getTypeAtLocation(parameter.type).getProperties();
  if (properties.length === 0) throw new Error(`${handlerFile}: the event type ${parameter.type.getText(file)} has no properties this reader can see (declared in another module?)`);
  return {
    all: properties.map((property) => property.name).sort(),
    required: properties.filter((property) => !(property.flags & ts.SymbolFlags.Optional)).map((property) => property.name).sort(),
  };
}
