// Generates the acp-extend package schema (the component types' inputs,
// outputs, secrets and docs) from the TypeScript declarations of the public
// API: each component's constructor `args` interface and its public
// `pulumi.Output` fields, with their JSDoc (`@default` goes into the docs,
// `@secret` marks a secret). Run by `npm run build`, so the schema the plugin
// serves always matches the TypeScript Args.
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

export const PACKAGE_NAME = "acp-extend";
/** The components the plugin constructs, by the names sdk/index.ts exports. */
export const COMPONENTS = ["Operator", "ClusterPlugin", "PackageUpload"] as const;

type Spec = Record<string, unknown>;

export interface PackageSchema {
  name: string;
  version: string;
  resources: Record<string, Spec>;
  types: Record<string, Spec>;
  [key: string]: unknown;
}

const token = (name: string) => `${PACKAGE_NAME}:index:${name}`;
const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

class Generator {
  readonly types: Record<string, Spec> = {};
  constructor(private readonly checker: ts.TypeChecker) {}

  /** The declaration a type reference names, following import aliases. */
  private declarationOf(name: ts.EntityName): ts.Declaration | undefined {
    let sym = this.checker.getSymbolAtLocation(name);
    if (sym && sym.flags & ts.SymbolFlags.Alias) sym = this.checker.getAliasedSymbol(sym);
    return sym?.declarations?.[0];
  }

  doc(node: ts.Node): { description?: string; secret: boolean } {
    const sym = (node as { name?: ts.Node }).name && this.checker.getSymbolAtLocation((node as unknown as { name: ts.Node }).name);
    if (!sym) return { secret: false };
    let description = ts.displayPartsToString(sym.getDocumentationComment(this.checker)).trim();
    let secret = false;
    for (const tag of sym.getJsDocTags(this.checker)) {
      const text = ts.displayPartsToString(tag.text).trim();
      if (tag.name === "default") description += `${description ? "\n\n" : ""}Default: ${text}`;
      else if (tag.name === "secret") secret = true;
      // Not a tag: prose such as "like @pulumi/kubernetes" that JSDoc splits off.
      else description += ` @${tag.name}${text.startsWith("/") || !text ? "" : " "}${text}`;
    }
    return { description: description || undefined, secret };
  }

  /** The schema type of a TypeScript type node; `name` names the types it defines (objects, enums). */
  spec(node: ts.TypeNode, name: string): Spec {
    if (ts.isParenthesizedTypeNode(node)) return this.spec(node.type, name);
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: "string" };
      case ts.SyntaxKind.NumberKeyword:
        return { type: "number" };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: "boolean" };
      case ts.SyntaxKind.UnknownKeyword:
      case ts.SyntaxKind.AnyKeyword:
        return { $ref: "pulumi.json#/Any" };
    }
    if (ts.isArrayTypeNode(node)) return { type: "array", items: this.spec(node.elementType, name) };
    if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return { type: "string" };
    if (ts.isUnionTypeNode(node)) {
      const members = node.types.filter(
        (t) => t.kind !== ts.SyntaxKind.UndefinedKeyword && !(ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword),
      );
      if (members.length === 1) return this.spec(members[0], name);
      if (members.every((t) => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal))) {
        const values = members.map((t) => ((t as ts.LiteralTypeNode).literal as ts.StringLiteral).text);
        this.types[token(name)] ??= { type: "string", enum: values.map((value) => ({ value })) };
        return { $ref: `#/types/${token(name)}` };
      }
      throw new Error(`${name}: union type ${node.getText()} has no schema equivalent; use a string-literal union or one type`);
    }
    if (ts.isTypeLiteralNode(node)) return this.object(node.members, name);
    if (ts.isTypeReferenceNode(node)) {
      const ref = node.typeName.getText();
      const args = node.typeArguments ?? [];
      // pulumi.Input<T> and pulumi.Output<T> are T in the schema: every input takes outputs.
      if (/(^|\.)(Input|Output)$/.test(ref) && args.length === 1) return this.spec(args[0], name);
      if (ref === "Array" && args.length === 1) return { type: "array", items: this.spec(args[0], name) };
      if (ref === "Record" && args.length === 2) return { type: "object", additionalProperties: this.spec(args[1], name) };
      const decl = this.declarationOf(node.typeName);
      if (decl && ts.isTypeAliasDeclaration(decl)) return this.spec(decl.type, decl.name.text);
      if (decl && ts.isInterfaceDeclaration(decl)) {
        const typeName = decl.name.text;
        if (!this.types[token(typeName)]) {
          this.types[token(typeName)] = {}; // reserve: recursive types
          const described = this.doc(decl);
          this.types[token(typeName)] = {
            ...this.objectSpec(decl.members, typeName),
            ...(described.description ? { description: described.description } : {}),
          };
        }
        return { $ref: `#/types/${token(typeName)}` };
      }
    }
    throw new Error(`${name}: type ${node.getText()} has no schema equivalent`);
  }

  private object(members: ts.NodeArray<ts.TypeElement>, name: string): Spec {
    this.types[token(name)] ??= this.objectSpec(members, name);
    return { $ref: `#/types/${token(name)}` };
  }

  /** Properties and required names of an interface or object literal type. */
  properties(members: readonly ts.Node[], owner: string): { properties: Record<string, Spec>; required: string[] } {
    const properties: Record<string, Spec> = {};
    const required: string[] = [];
    for (const m of members) {
      if (!(ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) || !m.type || !ts.isIdentifier(m.name)) continue;
      const prop = m.name.text;
      const { description, secret } = this.doc(m);
      properties[prop] = {
        ...this.spec(m.type, owner + capitalize(prop)),
        ...(description ? { description } : {}),
        ...(secret ? { secret: true } : {}),
      };
      if (!m.questionToken) required.push(prop);
    }
    return { properties, required };
  }

  private objectSpec(members: ts.NodeArray<ts.TypeElement>, name: string): Spec {
    const { properties, required } = this.properties(members, name);
    return { type: "object", properties, ...(required.length ? { required } : {}) };
  }

  /** A component: constructor(name, args: <Args>, opts) and its public readonly Output fields. */
  component(cls: ts.ClassDeclaration, name: string): Spec {
    const ctor = cls.members.find(ts.isConstructorDeclaration);
    const argsType = ctor?.parameters[1]?.type;
    if (!argsType || !ts.isTypeReferenceNode(argsType)) throw new Error(`${name}: the constructor takes no named args interface`);
    const argsDecl = this.declarationOf(argsType.typeName);
    if (!argsDecl || !ts.isInterfaceDeclaration(argsDecl)) throw new Error(`${name}: ${argsType.getText()} is not an interface`);
    const inputs = this.properties(argsDecl.members, name);
    const outputFields = cls.members.filter(
      (m): m is ts.PropertyDeclaration =>
        ts.isPropertyDeclaration(m) &&
        !!m.type &&
        ts.isTypeReferenceNode(m.type) &&
        /(^|\.)Output$/.test(m.type.typeName.getText()) &&
        !(ts.getCombinedModifierFlags(m) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected | ts.ModifierFlags.Static)),
    );
    const outputs = this.properties(outputFields, name);
    const { description } = this.doc(cls);
    return {
      isComponent: true,
      ...(description ? { description } : {}),
      inputProperties: inputs.properties,
      requiredInputs: inputs.required,
      properties: outputs.properties,
      required: Object.keys(outputs.properties),
    };
  }
}

/** The schema of the components exported by `entry` (sdk/index.ts). */
export function generateSchema(
  entry: string,
  manifest: { version: string; description?: string; license?: string; homepage?: string },
): PackageSchema {
  const program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  if (!source) throw new Error(`cannot read ${entry}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`${entry} is not a module`);
  const exported = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.name, s]));
  const gen = new Generator(checker);
  const resources: Record<string, Spec> = {};
  for (const name of COMPONENTS) {
    let sym = exported.get(name);
    if (!sym) throw new Error(`${entry} does not export ${name}`);
    if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    const cls = sym.declarations?.find(ts.isClassDeclaration);
    if (!cls) throw new Error(`${name} exported by ${entry} is not a class`);
    resources[token(name)] = gen.component(cls, name);
  }
  return {
    name: PACKAGE_NAME,
    displayName: "ACP extensions",
    version: manifest.version,
    description: manifest.description,
    license: manifest.license,
    keywords: ["pulumi", "kubernetes", "acp", "alauda", "olm", "category/infrastructure", "kind/component"],
    ...(manifest.homepage ? { homepage: manifest.homepage } : {}),
    language: {
      nodejs: { packageName: PACKAGE_NAME, respectSchemaVersion: true },
      python: { packageName: "pulumi_acp_extend", respectSchemaVersion: true, requires: { pulumi: ">=3.200.0,<4.0.0" } },
    },
    resources,
    types: gen.types,
  };
}

/** `node dist/provider/schemaGen.js`: writes dist/provider/schema.json from the checkout's sdk/. */
if (require.main === module) {
  const root = path.resolve(__dirname, "..", "..");
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const schema = generateSchema(path.join(root, "sdk", "index.ts"), manifest);
  fs.writeFileSync(path.join(__dirname, "schema.json"), JSON.stringify(schema, null, 2) + "\n");
}
