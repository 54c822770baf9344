// Classes of the TypeScript subset: fields, a constructor, methods and static members, `extends`
// another class of the file with super(...); instances are plain objects. A class extending a
// tf.layers class is a custom layer, which is reported as not modelled.
import { field, type SyntaxNode } from '../../parse/syntax';
import {
  type JsValue,
  type FnV,
  type NativeV,
  type ObjectV,
  type Site,
  JsScope,
  UNDEFINED,
  obj,
  native,
  unknown,
} from './values';
import { evaluate } from './expressions';
import type { EvaluatorHost } from './host';
import { INIT, SUPER } from './superCalls';

/** A class the file declares: its constructor value, and its own methods for the deferred run. */
export interface UserClass {
  value: NativeV;
  methods: string[];
  /** The method functions themselves (to find those the file never calls). */
  methodFns: FnV[];
  constructed: boolean;
  /** `new C(...args)`; `missing` gives Unknown values (with reasons) to parameters without arguments. */
  construct: (args: JsValue[], site: Site, missing?: (p: string) => string) => JsValue;
}

/** Evaluates a class declaration into a constructor value. */
export function defineClass(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): UserClass {
  const name = field(node, 'name')?.text ?? '(anonymous class)';
  const heritage = node.children.find((c) => c.type === 'class_heritage');
  const baseNode = heritage?.children.find((c) => c.type === 'extends_clause');
  const baseExpr = baseNode ? (field(baseNode, 'value') ?? baseNode.children[0]) : undefined;
  const base = baseExpr ? evaluate(ip, baseExpr, scope) : undefined;
  const classScope = new JsScope(scope);
  if (base) classScope.declare(SUPER, base);
  const methods = new Map<string, FnV>();
  const getters = new Map<string, FnV>();
  const statics: [string, JsValue][] = [];
  const fields: SyntaxNode[] = [];
  let ctor: FnV | undefined;
  for (const m of field(node, 'body')?.children ?? []) {
    const nameNode = field(m, 'name');
    const modifiers = nameNode ? ip.sourceText(m.startIndex, nameNode.startIndex) : '';
    const isStatic = /\bstatic\b/.test(modifiers);
    if (m.type === 'method_definition' && nameNode) {
      const key = nameNode.text;
      if (/\bget\s*$/.test(modifiers)) {
        getters.set(key, ip.makeFunction(m, classScope, key));
        continue;
      }
      if (/\bset\s*$/.test(modifiers)) continue; // setters are not analysed: the property keeps its value
      const fn = ip.makeFunction(m, classScope, key === 'constructor' ? name : key);
      if (key === 'constructor') ctor = fn;
      else if (isStatic) statics.push([key, fn]);
      else methods.set(key, fn);
    } else if (m.type === 'public_field_definition' && !isStatic) fields.push(m);
  }
  const customLayer = base?.kind === 'native' && base.name.startsWith('tf.layers.');
  const init = (self: JsValue, args: JsValue[], site: Site, missing?: (p: string) => string): JsValue => {
    if (self.kind !== 'object') return UNDEFINED;
    for (const [k, fn] of methods) if (!self.props.has(k)) self.props.set(k, fn);
    if (getters.size) self.getters = new Map([...getters, ...(self.getters ?? [])]);
    for (const f of fields) {
      const key = field(f, 'name')?.text;
      const valueNode = field(f, 'value');
      if (!key) continue;
      const fieldScope = new JsScope(classScope);
      fieldScope.declare('this', self);
      self.props.set(key, valueNode ? evaluate(ip, valueNode, fieldScope) : UNDEFINED);
    }
    if (ctor) ip.callFunction(ctor, args, self, site, missing);
    else if (base?.kind === 'native' && base.attrs?.has(INIT))
      (base.attrs.get(INIT) as NativeV).call([self, ...args], site, undefined);
    return UNDEFINED;
  };
  const construct = (args: JsValue[], site: Site, missing?: (p: string) => string): JsValue => {
    cls.constructed = true;
    if (customLayer)
      return unknown(
        `${name} is a custom layer (it extends ${(base as NativeV).name}); custom layers are not modelled`,
        site.range,
      );
    const self: ObjectV = obj();
    init(self, args, site, missing);
    return self;
  };
  const value = native(
    name,
    (_args, site) => unknown(`class ${name} cannot be called without new`, site.range),
    (args, site) => construct(args, site),
  );
  value.attrs = new Map<string, JsValue>([
    ...statics,
    [INIT, native(`${name}.init`, ([self, ...args], site) => init(self, args, site))],
  ]);
  const cls: UserClass = {
    value,
    methods: [...methods.keys()],
    methodFns: [...methods.values()],
    constructed: false,
    construct,
  };
  return cls;
}
