// Classes of the TypeScript subset: fields, a constructor, methods and static members, `extends`
// another class of the file with super(...); instances are plain objects. A class extending
// tf.layers.Layer (directly or through a class of the file) is a custom layer: `new` hands the
// instance to the framework runtime, which makes it a layer its methods describe.
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
  str,
} from './values';
import { evaluate } from './expressions';
import type { EvaluatorHost } from './host';
import { CLASS_NAME, INIT, LAYER_CLASS, PROTO, SUPER } from './superCalls';
import { JsError } from './errors';

/** A class the file declares: its constructor value, and its own methods for the deferred run. */
export interface UserClass {
  value: NativeV;
  methods: string[];
  /** The method functions themselves (to find those the file never calls). */
  methodFns: FnV[];
  /** Its instances are framework layers, whose methods the framework runs (never deferred). */
  layerClass: boolean;
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
  const staticGetters = new Map<string, FnV>();
  const statics: [string, JsValue][] = [];
  const staticFields: SyntaxNode[] = [];
  const fields: SyntaxNode[] = [];
  let ctor: FnV | undefined;
  for (const m of field(node, 'body')?.children ?? []) {
    const nameNode = field(m, 'name');
    const modifiers = nameNode ? ip.sourceText(m.startIndex, nameNode.startIndex) : '';
    const isStatic = /\bstatic\b/.test(modifiers);
    if (m.type === 'method_definition' && nameNode) {
      const key = nameNode.text;
      if (/\bget\s*$/.test(modifiers)) {
        (isStatic ? staticGetters : getters).set(key, ip.makeFunction(m, classScope, key));
        continue;
      }
      if (/\bset\s*$/.test(modifiers)) continue; // setters are not analysed: the property keeps its value
      const fn = ip.makeFunction(m, classScope, key === 'constructor' ? name : key);
      if (key === 'constructor') ctor = fn;
      else if (isStatic) statics.push([key, fn]);
      else methods.set(key, fn);
    } else if (m.type === 'public_field_definition') (isStatic ? staticFields : fields).push(m);
  }
  const layerClass = base?.kind === 'native' && (base.name === 'tf.layers.Layer' || !!base.attrs?.has(LAYER_CLASS));
  const otherTfBase = !layerClass && base?.kind === 'native' && base.name.startsWith('tf.layers.');
  const init = (self: JsValue, args: JsValue[], site: Site, missing?: (p: string) => string): JsValue => {
    if (self.kind !== 'object') return UNDEFINED;
    for (const [k, fn] of methods) {
      const current = self.props.get(k);
      if (!current || (current.kind === 'native' && current.inherited)) self.props.set(k, fn);
    }
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
    if (otherTfBase)
      return unknown(
        `${name} extends ${(base as NativeV).name}; only custom layers extending tf.layers.Layer are modelled`,
        site.range,
      );
    const self: ObjectV = obj();
    if (layerClass) return ip.rt.customLayer(staticName(), self, () => init(self, args, site, missing), site);
    init(self, args, site, missing);
    return self;
  };
  const value = native(
    name,
    (_args, site) => unknown(`class ${name} cannot be called without new`, site.range),
    (args, site) => construct(args, site),
  );
  /** `static className` (a field or a getter), as tfjs names layers by it; else the class's own name. */
  const declaredName = (): string | undefined => {
    const v = value.attrs?.get('className') ?? staticGetterValue('className');
    if (v?.kind === 'str') return v.value;
    // A static className is inherited, as JavaScript statics are.
    const inherited = base?.kind === 'native' ? base.attrs?.get(CLASS_NAME) : undefined;
    const named = inherited?.kind === 'native' ? inherited.call([], { range: node.range }, undefined) : undefined;
    return named?.kind === 'str' ? named.value : undefined;
  };
  const staticName = (): string => declaredName() ?? name;
  const staticGetterValue = (key: string): JsValue | undefined => {
    const getter = staticGetters.get(key);
    return getter ? ip.callFunction(getter, [], value, { range: getter.range }) : undefined;
  };
  for (const f of staticFields) {
    const key = field(f, 'name')?.text;
    const valueNode = field(f, 'value');
    if (key) statics.push([key, valueNode ? staticValue(ip, valueNode, classScope) : UNDEFINED]);
  }
  value.attrs = new Map<string, JsValue>([
    ...statics,
    ...(layerClass ? ([[LAYER_CLASS, UNDEFINED]] as [string, JsValue][]) : []),
    [INIT, native(`${name}.init`, ([self, ...args], site) => init(self, args, site))],
    [PROTO, proto(base, methods)],
    [
      CLASS_NAME,
      native(`${name}.className`, () => {
        const declared = declaredName();
        return declared === undefined ? UNDEFINED : str(declared);
      }),
    ],
  ]);
  const cls: UserClass = {
    value,
    methods: [...methods.keys()],
    methodFns: [...methods.values()],
    layerClass,
    constructed: false,
    construct,
  };
  return cls;
}

/** A static field's initial value; one that raises is Unknown with what it raised. */
function staticValue(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): JsValue {
  try {
    return evaluate(ip, node, scope);
  } catch (e) {
    if (!(e instanceof JsError)) throw e;
    return unknown(`this static field raised ${e.jsType}: ${e.message}`, node.range);
  }
}

/** The methods `super.name` finds on a class: its base's (a class of the file or a framework base), then its own. */
function proto(base: JsValue | undefined, methods: Map<string, FnV>): ObjectV {
  const inherited = base?.kind === 'native' ? base.attrs?.get(PROTO) : undefined;
  return obj([...(inherited?.kind === 'object' ? inherited.props : []), ...methods]);
}
