// Validate the AsyncAPI document with the AsyncAPI parser: the specification, every $ref
// (the payloads' JSON Schema files) resolved. Exit 1 on any error, listing them.
//   node validate.cjs [path/to/asyncapi.yaml]
'use strict';
const path = require('node:path');
const { Parser, fromFile } = require('@asyncapi/parser');

const SEVERITY = ['error', 'warning', 'info', 'hint'];

async function main() {
  const file = path.resolve(process.argv[2] || path.join(__dirname, '..', 'asyncapi.yaml'));
  const { document, diagnostics } = await fromFile(new Parser(), file).parse();
  for (const d of diagnostics.filter((x) => x.severity <= 1)) {
    console.log(`${SEVERITY[d.severity]}: ${d.code} ${d.message} at ${d.path.join('.')}`);
  }
  const errors = diagnostics.filter((d) => d.severity === 0).length;
  if (errors || !document) {
    console.error(`${file}: ${errors} error(s)`);
    process.exit(1);
  }
  console.log(
    `${file}: valid AsyncAPI ${document.version()}: ${document.channels().length} channels, ` +
      `${document.operations().length} operations, ${document.components().messages().length} messages`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
