/**
 * Load-time field check of CEL rules against the decision document. Every section is a
 * `dyn` variable to cel-js, so `consumer.nmae` type-checks and then fails on every request;
 * this walk follows member-access chains from the root variables (and from comprehension
 * variables bound to a known list or map) through `documentSchema`, and names any field the
 * document can never have. Maps (labels, headers, tool arguments), loose objects (route,
 * service) and `unknown` values (the body) accept any key.
 */
import type { z } from 'zod';
import { documentSchema } from './document.js';

type Shape =
  | { readonly kind: 'object'; readonly fields: ReadonlyMap<string, Shape>; readonly open: boolean }
  | { readonly kind: 'map'; readonly value: Shape }
  | { readonly kind: 'list'; readonly element: Shape }
  | { readonly kind: 'scalar'; readonly type: string }
  | { readonly kind: 'any' };

/** A value in the walk: its shape and how the rule reached it (for messages). */
interface Typed {
  readonly shape: Shape;
  readonly path: string;
}

const ANY_SHAPE: Shape = { kind: 'any' };
const ANY: Typed = { shape: ANY_SHAPE, path: '' };

interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  in?: z.ZodType;
}

function shapeOf(schema: z.ZodType): Shape {
  const def = (schema as unknown as { def: ZodDef }).def;
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'optional':
    case 'readonly':
      return shapeOf(def.innerType!);
    case 'pipe':
      return shapeOf(def.in!);
    case 'object': {
      const fields = new Map<string, Shape>();
      for (const [k, v] of Object.entries(def.shape!)) fields.set(k, shapeOf(v));
      // A strict object refuses other keys; a loose one (route, service) carries free facts.
      const open = def.catchall !== undefined && (def.catchall as unknown as { def: ZodDef }).def.type !== 'never';
      return { kind: 'object', fields, open };
    }
    case 'record':
      return { kind: 'map', value: shapeOf(def.valueType!) };
    case 'array':
      return { kind: 'list', element: shapeOf(def.element!) };
    case 'string':
    case 'enum':
    case 'literal':
      return { kind: 'scalar', type: 'string' };
    case 'number':
    case 'int':
      return { kind: 'scalar', type: 'number' };
    case 'boolean':
      return { kind: 'scalar', type: 'bool' };
    default:
      // unknown, union (a query value is a string or a list): no claim.
      return ANY_SHAPE;
  }
}

const ROOT = ((): ReadonlyMap<string, Shape> => {
  const doc = shapeOf(documentSchema as unknown as z.ZodType);
  if (doc.kind !== 'object') throw new Error('documentSchema is not an object');
  // CEL sees `time` as a timestamp, not the number the document carries.
  return new Map([...doc.fields, ['time', { kind: 'scalar', type: 'timestamp' }]]);
})();

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

interface Node {
  op: string;
  args: unknown;
}

function isNode(x: unknown): x is Node {
  return !!x && typeof x === 'object' && !Array.isArray(x) && typeof (x as Node).op === 'string';
}

class FieldWalk {
  readonly problems = new Set<string>();

  member(t: Typed, field: string): Typed {
    const s = t.shape;
    const at = `${t.path}.${field}`;
    switch (s.kind) {
      case 'any':
        return ANY;
      case 'map':
        return { shape: s.value, path: at };
      case 'object': {
        const f = s.fields.get(field);
        if (f) return { shape: f, path: at };
        if (!s.open) this.problems.add(`unknown field ${at} (known: ${[...s.fields.keys()].join(', ')})`);
        return ANY;
      }
      case 'list':
        this.problems.add(`${t.path} is a list: it has no field ${field}`);
        return ANY;
      case 'scalar':
        this.problems.add(`${t.path} is a ${s.type}: it has no field ${field}`);
        return ANY;
    }
  }

  /** Walks any argument structure (nested arrays of nodes, pairs of a map literal). */
  visitAll(x: unknown, scope: ReadonlyMap<string, Typed>): void {
    if (Array.isArray(x)) for (const y of x) this.visitAll(y, scope);
    else if (isNode(x)) this.typeOf(x, scope);
  }

  typeOf(n: Node, scope: ReadonlyMap<string, Typed>): Typed {
    const args = n.args;
    switch (n.op) {
      case 'id': {
        const name = args as string;
        const bound = scope.get(name);
        if (bound) return bound;
        const root = ROOT.get(name);
        return root ? { shape: root, path: name } : ANY;
      }
      case '.':
      case '.?': {
        const [target, field] = args as [Node, string];
        return this.member(this.typeOf(target, scope), field);
      }
      case '[]':
      case '[?]': {
        const [target, index] = args as [Node, Node];
        const t = this.typeOf(target, scope);
        this.typeOf(index, scope);
        if (t.shape.kind === 'list') return { shape: t.shape.element, path: `${t.path}[]` };
        if (index.op === 'value' && typeof index.args === 'string') return this.member(t, index.args);
        return t.shape.kind === 'map' ? { shape: t.shape.value, path: `${t.path}[]` } : ANY;
      }
      case 'rcall':
        return this.receiverCall(args as [string, Node, Node[]], scope);
      default:
        this.visitAll(args, scope);
        return ANY;
    }
  }

  receiverCall([name, target, callArgs]: [string, Node, Node[]], scope: ReadonlyMap<string, Typed>): Typed {
    const first = callArgs[0];
    if (name === 'bind' && target.op === 'id' && target.args === 'cel' && first?.op === 'id' && callArgs.length === 3) {
      const init = this.typeOf(callArgs[1]!, scope);
      this.typeOf(callArgs[2]!, new Map(scope).set(first.args as string, init));
      return ANY;
    }
    const t = this.typeOf(target, scope);
    if (!MACROS.has(name) || first?.op !== 'id') {
      this.visitAll(callArgs, scope);
      return ANY;
    }
    const inner = new Map(scope);
    const second = callArgs[1];
    if (callArgs.length === 3 && name !== 'map' && second?.op === 'id') {
      // Two-variable form (index or key, value): no claim on either.
      inner.set(first.args as string, ANY).set(second.args as string, ANY);
    } else {
      const s = t.shape;
      const element: Typed =
        s.kind === 'list' ? { shape: s.element, path: `${t.path}[]` } : s.kind === 'map' ? { shape: { kind: 'scalar', type: 'string' }, path: `${t.path} key` } : ANY;
      inner.set(first.args as string, element);
    }
    this.visitAll(callArgs.slice(1), inner);
    return name === 'filter' ? t : ANY;
  }
}

/** Fields a parsed rule reads that the decision document can never have, as messages. */
export function fieldProblems(ast: unknown): string[] {
  if (!isNode(ast)) return [];
  const w = new FieldWalk();
  w.typeOf(ast, new Map());
  return [...w.problems];
}
