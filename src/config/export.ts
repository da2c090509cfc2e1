/**
 * `warden config export`: the live state as one YAML file — the config file as written
 * (comments, `${env:…}` and `${file:…}` references kept), with the admin API's routes and
 * policies merged in the same way `applyOverlay` merges them, and the store's consumers
 * added. Keys are never exported: they are secrets (even hashed, they are credentials).
 */
import { Document, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { ConfigError } from './load.js';
import { overlayAttachSchema } from './overlay.js';
import type { OverlayEntry } from '../store/types.js';

export interface ExportInput {
  /** The config file's text; undefined when running on the built-in default. */
  fileText: string | undefined;
  /** Where the text came from, for the header and errors. */
  source: string;
  overlay: readonly OverlayEntry[];
  /** Consumers kept in the store (the file's own consumers are already in the text). */
  consumers: readonly { name: string; groups: string[]; labels: Record<string, string>; models: string[] }[];
  /** Header line's date (tests pin it). */
  now?: Date;
}

type Path = (string | number)[];

function scalarValue(node: unknown): unknown {
  return isScalar(node) ? node.value : node;
}

/** Appends `value` to the sequence at `path` unless it is there; creates the sequence (and its parents) when missing. */
function addOnce(doc: Document, path: Path, value: string): void {
  const node = doc.getIn(path, true);
  if (node === undefined || node === null || scalarValue(node) === null) {
    doc.setIn(path, doc.createNode([value]));
    return;
  }
  if (!isSeq(node)) throw new ConfigError('export', [`${path.join('.')}: expected a list in the config file`]);
  if (!node.items.some((i) => scalarValue(i) === value)) node.add(doc.createNode(value));
}

function mergeRoute(doc: Document, id: string, item: unknown): void {
  const routes = doc.get('routes', true);
  if (routes === undefined || routes === null || scalarValue(routes) === null) {
    doc.set('routes', doc.createNode([item]));
    return;
  }
  if (!isSeq(routes)) throw new ConfigError('export', ['routes: expected a list in the config file']);
  const at = routes.items.findIndex((r) => isMap(r) && scalarValue(r.get('id', true)) === id);
  // Replaced in place: route order breaks ties between equal prefixes.
  if (at === -1) routes.add(doc.createNode(item));
  else routes.set(at, doc.createNode(item));
}

function mergePolicy(doc: Document, name: string, item: unknown): void {
  const { attach, ...policy } = item as Record<string, unknown>;
  doc.setIn(['policy', 'policies', name], doc.createNode(policy));
  const a = overlayAttachSchema.parse(attach ?? {});
  if (a.global) addOnce(doc, ['policy', 'attach', 'global'], name);
  for (const d of a.doors) addOnce(doc, ['policy', 'attach', 'doors', d], name);
  for (const r of a.routes) addOnce(doc, ['policy', 'attach', 'routes', r], name);
  for (const c of a.consumers) addOnce(doc, ['policy', 'attach', 'consumers', c], name);
}

function mergeConsumers(doc: Document, consumers: ExportInput['consumers']): void {
  const existing = doc.get('consumers', true);
  const names = new Set(isSeq(existing) ? existing.items.map((c) => (isMap(c) ? scalarValue(c.get('name', true)) : undefined)) : []);
  for (const c of consumers) {
    if (names.has(c.name)) continue;
    const entry: Record<string, unknown> = { name: c.name };
    if (c.groups.length) entry.groups = c.groups;
    if (Object.keys(c.labels).length) entry.labels = c.labels;
    if (c.models.length) entry.models = c.models;
    if (isSeq(existing)) existing.add(doc.createNode(entry));
    else doc.set('consumers', doc.createNode([entry]));
    names.add(c.name);
  }
}

/** The export as YAML text. */
export function renderExport(input: ExportInput): string {
  const parsed = parseDocument(input.fileText ?? '', { uniqueKeys: true });
  if (parsed.errors.length) throw new ConfigError(input.source, parsed.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  let doc: Document = parsed;
  if (!isMap(parsed.contents)) {
    // An empty file (or only comments): start from an empty mapping, keep the comments.
    doc = new Document({});
    doc.commentBefore = parsed.commentBefore ?? parsed.comment;
  }
  for (const e of input.overlay) {
    if (e.kind === 'route') mergeRoute(doc, e.id, e.item);
    else mergePolicy(doc, e.id, e.item);
  }
  mergeConsumers(doc, input.consumers);
  const when = (input.now ?? new Date()).toISOString();
  const header = [
    `Exported by \`warden config export\` on ${when} from ${input.source}:`,
    `the config file plus ${input.overlay.length} route/policy entr${input.overlay.length === 1 ? 'y' : 'ies'} from the admin API and ${input.consumers.length} store consumer(s).`,
    'Keys are not exported; create new ones for a fresh store.',
  ];
  const prior = doc.commentBefore ? `\n${doc.commentBefore}` : '';
  doc.commentBefore = ` ${header.join('\n ')}${prior}`;
  return doc.toString({ lineWidth: 0 });
}
