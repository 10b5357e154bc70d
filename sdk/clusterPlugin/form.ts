/**
 * Validation of a plugin's configuration against the dynamic form of its
 * ModuleConfig (`spec.config`). The form is an example document: each leaf is
 * the default value and its JSON type is the type the platform expects.
 */

/** One problem with a config, at a dotted path (`custom.pgpu_enable`). */
export interface FormIssue {
  path: string;
  reason: string;
}

export interface FormResult {
  /** The config to install: the form's defaults deep-merged with the given values. */
  config: Record<string, unknown>;
  issues: FormIssue[];
}

export type JsonType = "object" | "array" | "string" | "number" | "boolean" | "null";

export function jsonType(v: unknown): JsonType | "undefined" | "other" {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (isPlainObject(v)) return "object";
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return Number.isFinite(v) ? "number" : "other";
    case "boolean":
      return "boolean";
    case "undefined":
      return "undefined";
    default:
      return "other";
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Whether a ModuleConfig's form asks for nothing (the platform leaves it `{}` or absent). */
export function isEmptyForm(form: unknown): boolean {
  return form === undefined || form === null || (isPlainObject(form) && Object.keys(form).length === 0);
}

/**
 * Checks `config` against `form` and merges the defaults in.
 *
 * - An empty form accepts only `{}` (or no config).
 * - Keys the form does not have are errors; so are values whose JSON type differs
 *   from the form's default. A `null` default accepts any value; a nested `{}`
 *   default is a free-form map; arrays replace the default whole.
 * - Keys left out take the form's default.
 *
 * Messages name types, never values: a form may carry credentials.
 */
export function validateConfig(form: unknown, config: unknown): FormResult {
  const issues: FormIssue[] = [];
  const given = config === undefined || config === null ? {} : config;
  if (!isPlainObject(given)) {
    return { config: {}, issues: [{ path: "", reason: `config must be an object, got ${describeType(given)}` }] };
  }
  if (isEmptyForm(form)) {
    for (const key of Object.keys(given)) {
      issues.push({ path: key, reason: "unknown key: this plugin version has no configuration form, so config must be {}" });
    }
    return { config: {}, issues };
  }
  if (!isPlainObject(form)) {
    // A form that is not an object cannot describe keys; treat it as the platform would: unusable.
    return { config: {}, issues: [{ path: "", reason: `the ModuleConfig's form (spec.config) is ${describeType(form)}, not an object` }] };
  }
  const merged = mergeObject(form, given, "", issues);
  return { config: merged, issues };
}

function mergeObject(
  form: Record<string, unknown>,
  given: Record<string, unknown>,
  prefix: string,
  issues: FormIssue[],
): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(form);
  const known = Object.keys(form);
  for (const [key, value] of Object.entries(given)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (!Object.prototype.hasOwnProperty.call(form, key)) {
      issues.push({ path, reason: `unknown key; the form has ${known.length ? known.map((k) => `"${k}"`).join(", ") : "no keys"} here` });
      continue;
    }
    const def = form[key];
    if (value === undefined) continue;
    const want = jsonType(def);
    const got = jsonType(value);
    if (want === "null") {
      out[key] = structuredClone(value);
    } else if (want === "object" && got === "object") {
      const defObj = def as Record<string, unknown>;
      out[key] =
        Object.keys(defObj).length === 0 ? structuredClone(value) : mergeObject(defObj, value as Record<string, unknown>, path, issues);
    } else if (want === got) {
      out[key] = structuredClone(value);
    } else {
      issues.push({ path, reason: `expected ${want} (the form's default is ${describeDefault(def)}), got ${describeType(value)}` });
    }
  }
  return out;
}

function describeType(v: unknown): string {
  const t = jsonType(v);
  return t === "other" ? typeof v : t;
}

function describeDefault(v: unknown): string {
  const t = jsonType(v);
  if (t === "boolean" || t === "number") return String(v);
  return t === "string" ? "a string" : t === "array" ? "a list" : "an object";
}
