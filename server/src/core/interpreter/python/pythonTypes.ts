// The typing-era standard library model code leans on: dataclasses (fields, defaults, factories,
// replace), enum (members built from the class body), typing and collections.abc (generic aliases
// and the ABCs isinstance checks against), typing.NamedTuple, and inspect.signature.
import {
  type Value,
  type ClassV,
  type DictV,
  type FuncV,
  type InstanceV,
  type NamespaceV,
  type CallSite,
  NONE,
  FALSE,
  int,
  str,
  list,
  tuple,
  unknown,
  builtin,
  hashKey,
  typeName,
} from './values';
import { raise } from './errors';
import { lookupClassAttr, mro } from './classes';
import type { BuiltinHost } from './hooks';

const ZERO_RANGE = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** A marker class of the standard library (an ABC, a typing alias, Enum, NamedTuple). */
function markerClass(name: string, bases: ClassV[] = []): ClassV {
  return { kind: 'class', name, bases, attrs: new Map(), range: ZERO_RANGE, builtin: 'object' };
}

/** Value kinds each ABC or typing alias accepts in isinstance (tensors iterate like sequences). */
export const ABSTRACT_KINDS: Record<string, string[]> = {
  Sequence: ['list', 'tuple', 'str'],
  MutableSequence: ['list'],
  Iterable: ['list', 'tuple', 'str', 'dict', 'tensor'],
  Iterator: [],
  Collection: ['list', 'tuple', 'str', 'dict'],
  Container: ['list', 'tuple', 'str', 'dict'],
  Sized: ['list', 'tuple', 'str', 'dict'],
  Reversible: ['list', 'tuple', 'str'],
  Mapping: ['dict'],
  MutableMapping: ['dict'],
  Set: [],
  Hashable: ['none', 'bool', 'int', 'float', 'str', 'tuple'],
  Callable: ['func', 'bound', 'builtin', 'class', 'module'],
  List: ['list'],
  Tuple: ['tuple'],
  Dict: ['dict'],
  Number: ['int', 'float', 'bool'],
  Integral: ['int', 'bool'],
  Real: ['int', 'float', 'bool'],
};

const abcClasses = new Map<string, ClassV>();
function abc(name: string): ClassV {
  let cls = abcClasses.get(name);
  if (!cls) abcClasses.set(name, (cls = markerClass(name)));
  return cls;
}

/** Whether `t` is one of the ABC / typing marker classes, and `v` an instance of it. */
export function abstractInstance(v: Value, t: ClassV): boolean | undefined {
  if (abcClasses.get(t.name) !== t) return undefined;
  const kinds = ABSTRACT_KINDS[t.name] ?? [];
  if (kinds.includes(v.kind)) return true;
  if (t.name === 'Callable' && v.kind === 'instance') return !!lookupClassAttr(v.cls, '__call__');
  if (v.kind === 'instance' && t.name in ITERABLE_NAMES) return !!lookupClassAttr(v.cls, '__iter__');
  return false;
}

const ITERABLE_NAMES = { Iterable: 1, Sequence: 1, Collection: 1 };

const NAMED_TUPLE = markerClass('NamedTuple');
const ENUM = markerClass('Enum');
const INT_ENUM = markerClass('IntEnum', [ENUM]);
const STR_ENUM = markerClass('StrEnum', [ENUM]);
const FLAG = markerClass('Flag', [ENUM]);

/** `typing`: aliases that subscript to themselves, cast, TypeVar, NamedTuple, TYPE_CHECKING. */
export function typingModule(): NamespaceV {
  const attrs = new Map<string, Value>();
  for (const name of Object.keys(ABSTRACT_KINDS)) attrs.set(name, abc(name));
  for (const name of [
    'Any',
    'Optional',
    'Union',
    'Type',
    'Generic',
    'Protocol',
    'ClassVar',
    'Final',
    'Literal',
    'Annotated',
    'FrozenSet',
    'Deque',
    'NoReturn',
    'Awaitable',
    'Generator',
    'TypeAlias',
    'SupportsInt',
    'ParamSpec',
    'Concatenate',
  ])
    attrs.set(name, markerClass(name));
  attrs.set('Set', abc('Set'));
  attrs.set('NamedTuple', NAMED_TUPLE);
  attrs.set('TYPE_CHECKING', FALSE);
  attrs.set(
    'TypeVar',
    builtin('TypeVar', ([name]) => markerClass(name?.kind === 'str' ? name.value : 'T')),
  );
  attrs.set(
    'NewType',
    builtin('NewType', ([, base]) => base ?? NONE),
  );
  attrs.set(
    'cast',
    builtin('cast', ([, v]) => v ?? NONE),
  );
  for (const name of ['overload', 'no_type_check', 'final', 'runtime_checkable'])
    attrs.set(
      name,
      builtin(name, ([f]) => f ?? NONE),
    );
  attrs.set(
    'get_type_hints',
    builtin('get_type_hints', () => ({ kind: 'dict', entries: new Map() })),
  );
  return { kind: 'namespace', name: 'typing', attrs };
}

/** `collections.abc` (and `numbers`): the same ABC classes the typing aliases are. */
export function abcModule(name: string, names: string[]): NamespaceV {
  return { kind: 'namespace', name, attrs: new Map(names.map((n) => [n, abc(n)])) };
}

/** The names `collections.abc` offers. */
export const COLLECTIONS_ABC = [
  'Sequence',
  'MutableSequence',
  'Iterable',
  'Iterator',
  'Collection',
  'Container',
  'Sized',
  'Reversible',
  'Mapping',
  'MutableMapping',
  'Set',
  'Hashable',
  'Callable',
];

// ---- enum --------------------------------------------------------------------------------------

/** `enum`: Enum, IntEnum, StrEnum, Flag and auto(). */
export function enumModule(): NamespaceV {
  let counter = 0;
  return {
    kind: 'namespace',
    name: 'enum',
    attrs: new Map<string, Value>([
      ['Enum', ENUM],
      ['EnumMeta', markerClass('EnumMeta')],
      ['EnumType', markerClass('EnumMeta')],
      ['IntEnum', INT_ENUM],
      ['StrEnum', STR_ENUM],
      ['Flag', FLAG],
      ['IntFlag', FLAG],
      ['auto', builtin('auto', () => int(++counter))],
      ['unique', builtin('unique', ([c]) => c ?? NONE)],
    ]),
  };
}

/** Whether a class derives from Enum. */
export function isEnumClass(cls: ClassV): boolean {
  return mro(cls).includes(ENUM);
}

/**
 * Turns an Enum class body's plain attributes into members: instances of the class with `name` and
 * `value` (and `_name_`, `_value_`), each passed through the class's own `__init__` when it has one;
 * an alias (`DEFAULT = IMAGENET1K_V1`) is the same member.
 */
export function makeEnumMembers(host: BuiltinHost, cls: ClassV): void {
  const init = lookupClassAttr(cls, '__init__');
  const byValue = new Map<Value, InstanceV>();
  for (const [name, value] of [...cls.attrs]) {
    if (name.startsWith('_') || ['func', 'property', 'builtin', 'class'].includes(value.kind)) continue;
    const existing = value.kind === 'instance' && value.cls === cls ? value : byValue.get(value);
    if (existing) {
      cls.attrs.set(name, existing);
      continue;
    }
    const member: InstanceV = { kind: 'instance', cls, attrs: new Map() };
    member.attrs.set('_name_', str(name));
    member.attrs.set('name', str(name));
    member.attrs.set('_value_', value);
    member.attrs.set('value', value);
    if (init?.kind === 'func') {
      const args = value.kind === 'tuple' ? value.items : [value];
      host.callValue(init, [member, ...args], new Map(), { range: cls.range });
      member.attrs.set('value', member.attrs.get('_value_') ?? value);
    }
    byValue.set(value, member);
    cls.attrs.set(name, member);
  }
}

// ---- dataclasses -------------------------------------------------------------------------------

/** What `dataclasses.field(...)` returns, before the decorator reads it. */
const FIELD_SPEC = markerClass('Field');

interface FieldInfo {
  name: string;
  default?: Value;
  factory?: Value;
  init: boolean;
}

function fieldsOf(cls: ClassV): FieldInfo[] {
  const stored = cls.attrs.get('__dataclass_fields__');
  return stored?.kind === 'instance' ? ((stored as unknown as { fields: FieldInfo[] }).fields ?? []) : [];
}

/**
 * `@dataclass` / `@dataclass(frozen=True, ...)`: the fields are the class body's annotated names
 * (after those of dataclass bases), `ClassVar` excluded; the generated `__init__` takes them in
 * order with their defaults or default factories, then calls `__post_init__`.
 */
export function makeDataclass(host: BuiltinHost, cls: ClassV, options: Map<string, Value>): ClassV {
  const fields: FieldInfo[] = [];
  for (const base of [...mro(cls)].reverse().slice(0, -1)) for (const f of fieldsOf(base)) upsert(fields, f);
  const annotations = cls.attrs.get('__annotations__');
  if (annotations?.kind === 'dict') {
    for (const { key, value: type } of annotations.entries.values()) {
      if (key.kind !== 'str' || (type.kind === 'str' && /^(typing\.)?ClassVar\b/.test(type.value))) continue;
      upsert(fields, fieldInfo(key.value, cls.attrs.get(key.value)));
      const declared = cls.attrs.get(key.value);
      if (declared?.kind === 'instance' && declared.cls === FIELD_SPEC) {
        const dflt = declared.attrs.get('default');
        if (dflt) cls.attrs.set(key.value, dflt);
        else cls.attrs.delete(key.value);
      }
    }
  }
  const record = { kind: 'instance', cls: FIELD_SPEC, attrs: new Map(), fields } as InstanceV & { fields: FieldInfo[] };
  cls.attrs.set('__dataclass_fields__', record);
  const wantsInit = options.get('init');
  if (!(wantsInit?.kind === 'bool' && !wantsInit.value) && !cls.attrs.has('__init__'))
    cls.attrs.set('__init__', dataclassInit(host, cls, fields));
  return cls;
}

function upsert(fields: FieldInfo[], f: FieldInfo): void {
  const at = fields.findIndex((x) => x.name === f.name);
  if (at >= 0) fields[at] = f;
  else fields.push(f);
}

function fieldInfo(name: string, declared: Value | undefined): FieldInfo {
  if (declared?.kind === 'instance' && declared.cls === FIELD_SPEC) {
    const init = declared.attrs.get('init');
    return {
      name,
      default: declared.attrs.get('default'),
      factory: declared.attrs.get('default_factory'),
      init: !(init?.kind === 'bool' && !init.value),
    };
  }
  return { name, default: declared, init: true };
}

function dataclassInit(host: BuiltinHost, cls: ClassV, fields: FieldInfo[]): Value {
  return builtin(`${cls.name}.__init__`, (args, kwargs, site) => {
    const [self, ...positional] = args;
    const params = fields.filter((f) => f.init);
    if (positional.length > params.length)
      raise(
        'TypeError',
        `${cls.name}() takes ${params.length} positional arguments but ${positional.length} were given`,
      );
    for (const key of kwargs.keys())
      if (!params.some((f) => f.name === key))
        raise('TypeError', `${cls.name}() got an unexpected keyword argument '${key}'`, site.range);
    fields.forEach((f) => {
      const index = params.indexOf(f);
      const given = index >= 0 ? (positional[index] ?? kwargs.get(f.name)) : undefined;
      const value = given ?? (f.factory ? host.callValue(f.factory, [], new Map(), site) : f.default);
      if (value === undefined) raise('TypeError', `${cls.name}() missing required argument '${f.name}'`, site.range);
      host.setAttr(self, f.name, value, site);
    });
    const post = lookupClassAttr(cls, '__post_init__');
    if (post) host.callValue(post, [self], new Map(), site);
    return NONE;
  });
}

/** `dataclasses`: dataclass (as a callable too), field, fields, replace, asdict, astuple, is_dataclass. */
export function dataclassesModule(host: BuiltinHost): NamespaceV {
  const fieldsOfValue = (v: Value) => fieldsOf(v.kind === 'class' ? v : v.kind === 'instance' ? v.cls : ENUM);
  const values = (obj: Value, site: CallSite) =>
    fieldsOfValue(obj).map((f) => [f.name, host.getAttr(obj, f.name, site)] as [string, Value]);
  const dataclass = builtin('dataclass', (args, kwargs) => {
    if (args[0]?.kind === 'class') return makeDataclass(host, args[0], kwargs);
    return builtin('dataclass', ([cls]) => (cls?.kind === 'class' ? makeDataclass(host, cls, kwargs) : NONE));
  });
  return {
    kind: 'namespace',
    name: 'dataclasses',
    attrs: new Map<string, Value>([
      ['dataclass', dataclass],
      [
        'field',
        builtin('field', (_a, kwargs) => ({ kind: 'instance', cls: FIELD_SPEC, attrs: new Map(kwargs) }) as InstanceV),
      ],
      [
        'fields',
        builtin('fields', ([v]) =>
          tuple(
            fieldsOfValue(v).map(
              (f) => ({ kind: 'instance', cls: FIELD_SPEC, attrs: new Map([['name', str(f.name)]]) }) as InstanceV,
            ),
          ),
        ),
      ],
      [
        'replace',
        builtin('replace', ([obj, ...rest], changes, site) => {
          if (obj?.kind !== 'instance' || rest.length)
            return raise('TypeError', 'replace() needs one dataclass instance');
          const kwargs = new Map(
            values(obj, site).filter(([name]) => fieldsOf(obj.cls).find((f) => f.name === name)?.init),
          );
          for (const [k, v] of changes) kwargs.set(k, v);
          return host.callValue(obj.cls, [], kwargs, site);
        }),
      ],
      ['asdict', builtin('asdict', ([obj], _k, site) => dictOfPairs(values(obj, site)))],
      ['astuple', builtin('astuple', ([obj], _k, site) => tuple(values(obj, site).map(([, v]) => v)))],
      ['is_dataclass', builtin('is_dataclass', ([v]) => ({ kind: 'bool', value: fieldsOfValue(v).length > 0 }))],
      ['MISSING', unknown('dataclasses.MISSING')],
    ]),
  };
}

function dictOfPairs(pairs: [string, Value][]): DictV {
  return { kind: 'dict', entries: new Map(pairs.map(([k, v]) => [hashKey(str(k)), { key: str(k), value: v }])) };
}

// ---- NamedTuple ----------------------------------------------------------------------------------

/** Whether a class is a typing.NamedTuple. */
export function isNamedTuple(cls: ClassV): boolean {
  return cls.bases.includes(NAMED_TUPLE);
}

/**
 * Builds an instance of a `class X(NamedTuple)`: fields from its annotations, defaults from the
 * class body; indexable and iterable like the tuple it is.
 */
export function namedTupleInstance(cls: ClassV, args: Value[], kwargs: Map<string, Value>, site: CallSite): InstanceV {
  const annotations = cls.attrs.get('__annotations__');
  const names =
    annotations?.kind === 'dict'
      ? [...annotations.entries.values()].map((e) => (e.key as { value: string }).value)
      : [];
  const self: InstanceV = { kind: 'instance', cls, attrs: new Map() };
  const items: Value[] = names.map((name, i) => {
    const v = args[i] ?? kwargs.get(name) ?? cls.attrs.get(name);
    if (v === undefined) raise('TypeError', `${cls.name}() missing required argument '${name}'`, site.range);
    self.attrs.set(name, v);
    return v;
  });
  self.attrs.set('__tuple__', tuple(items));
  return self;
}

/** The tuple behind a NamedTuple instance, if `v` is one. */
export function namedTupleItems(v: Value): Value[] | undefined {
  if (v.kind !== 'instance') return undefined;
  const t = v.attrs.get('__tuple__');
  return t?.kind === 'tuple' ? t.items : undefined;
}

// ---- inspect -----------------------------------------------------------------------------------

const PARAMETER = markerClass('Parameter');
const PARAMETER_KINDS = ['POSITIONAL_ONLY', 'POSITIONAL_OR_KEYWORD', 'VAR_POSITIONAL', 'KEYWORD_ONLY', 'VAR_KEYWORD'];
PARAMETER_KINDS.forEach((k, i) => PARAMETER.attrs.set(k, int(i)));
PARAMETER.attrs.set('empty', markerClass('empty'));

const KIND_INDEX: Record<FuncV['params'][number]['kind'], number> = {
  positional: 1,
  varargs: 2,
  keywordOnly: 3,
  kwargs: 4,
};

/** `inspect`: signature(fn).parameters of Python functions, isclass / isfunction. */
export function inspectModule(): NamespaceV {
  const signature = builtin('signature', ([fn], _k, site) => {
    let func: Value | undefined = fn?.kind === 'bound' ? fn.func : fn;
    while (func?.kind === 'func' && func.wrapped) func = func.wrapped;
    if (func?.kind !== 'func') return unknown(`inspect.signature of ${fn ? typeName(fn) : 'nothing'}`, site.range);
    const entries = new Map<string, { key: Value; value: Value }>();
    for (const p of func.params) {
      const param: InstanceV = { kind: 'instance', cls: PARAMETER, attrs: new Map() };
      param.attrs.set('name', str(p.name));
      param.attrs.set('kind', int(KIND_INDEX[p.kind]));
      param.attrs.set('default', p.default ?? PARAMETER.attrs.get('empty')!);
      entries.set(hashKey(str(p.name)), { key: str(p.name), value: param });
    }
    const sig: InstanceV = { kind: 'instance', cls: markerClass('Signature'), attrs: new Map() };
    sig.attrs.set('parameters', { kind: 'dict', entries });
    return sig;
  });
  return {
    kind: 'namespace',
    name: 'inspect',
    attrs: new Map<string, Value>([
      ['signature', signature],
      ['Parameter', PARAMETER],
      ['isclass', builtin('isclass', ([v]) => ({ kind: 'bool', value: v?.kind === 'class' }))],
      ['isfunction', builtin('isfunction', ([v]) => ({ kind: 'bool', value: v?.kind === 'func' }))],
    ]),
  };
}

export { list };
