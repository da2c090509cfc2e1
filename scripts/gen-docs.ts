// Regenerates the generated parts of docs/: the error table and the config JSON Schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderErrorTable } from '../src/core/errors-doc.js';
import { renderConfigJsonSchema } from '../src/config/json-schema.js';

const errorsPath = 'docs/errors.md';
const doc = readFileSync(errorsPath, 'utf8');
const BEGIN = '<!-- catalogue:begin -->';
const END = '<!-- catalogue:end -->';
writeFileSync(errorsPath, doc.slice(0, doc.indexOf(BEGIN) + BEGIN.length) + '\n' + renderErrorTable() + '\n' + doc.slice(doc.indexOf(END)));
writeFileSync('docs/config.schema.json', renderConfigJsonSchema());
console.log('docs/errors.md and docs/config.schema.json regenerated');
