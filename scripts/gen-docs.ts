// Regenerates the generated parts of docs/: the error table and the config JSON Schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderErrorTable } from '../src/core/errors-doc.js';
import { renderConfigJsonSchema } from '../src/config/json-schema.js';
import { renderConfigReference } from '../src/config/reference-doc.js';

function replaceBetween(file: string, marker: string, content: string): void {
  const doc = readFileSync(file, 'utf8');
  const begin = `<!-- ${marker}:begin -->`;
  const end = `<!-- ${marker}:end -->`;
  writeFileSync(file, doc.slice(0, doc.indexOf(begin) + begin.length) + '\n' + content + '\n' + doc.slice(doc.indexOf(end)));
}
replaceBetween('docs/errors.md', 'catalogue', renderErrorTable());
replaceBetween('docs/config.md', 'reference', renderConfigReference());
writeFileSync('docs/config.schema.json', renderConfigJsonSchema());
console.log('docs/errors.md, docs/config.md and docs/config.schema.json regenerated');
