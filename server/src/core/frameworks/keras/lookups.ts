// Keras's lookup layers — TextVectorization, StringLookup, IntegerLookup — as model code uses them to
// size an Embedding or an output layer: the vocabulary size comes from a `# wattlens: vocab=N` comment
// on the line that builds the layer, a `vocabulary=` list of known length, or `max_tokens=` (taken as
// the size, with a note: the data may give fewer); otherwise it is unknown, with the reason.
import {
  type Value,
  type InstanceV,
  type CallSite,
  NONE,
  int,
  list,
  unknown,
  isSequence,
} from '../../interpreter/python/values';
import type { KerasHost } from './host';

type Method = (args: Value[], kw: Map<string, Value>, site: CallSite) => Value;

/** Where the vocabulary size is kept on a lookup layer instance. */
const SIZE = '__wattlens_vocabulary_size__';

/** The lookup layer classes, by name. */
export const LOOKUP_LAYERS = ['TextVectorization', 'StringLookup', 'IntegerLookup'] as const;

/** Out-of-vocabulary and mask entries a lookup layer adds to a vocabulary it is given. */
function extraTokens(cls: string, kw: Map<string, Value>): number {
  const oov = kw.get('num_oov_indices');
  const mask = kw.get('mask_token');
  const oovCount = oov?.kind === 'int' ? oov.value : 1;
  if (cls === 'TextVectorization') return 2;
  return oovCount + (mask && mask.kind !== 'none' ? 1 : 0);
}

/** The methods of one lookup class. */
export function lookupMethods(rt: KerasHost, cls: string): Record<string, Method> {
  const size = (inst: InstanceV) => inst.attrs.get(SIZE) ?? unknown(`the vocabulary of ${cls} is not known`);
  return {
    __init__: (args, kw, site) => {
      const inst = args[0] as InstanceV;
      inst.attrs.set(SIZE, vocabularySize(rt, cls, args.slice(1), kw, site));
      const length = kw.get('output_sequence_length');
      if (length) inst.attrs.set('output_sequence_length', length);
      return NONE;
    },
    adapt: () => NONE,
    set_vocabulary: () => NONE,
    vocabulary_size: (args) => size(args[0] as InstanceV),
    get_vocabulary: (args) => {
      const n = size(args[0] as InstanceV);
      if (n.kind !== 'int') return n;
      return list(Array.from({ length: n.value }, () => unknown('a vocabulary entry (known at run time)')));
    },
    call: (args, _kw, site) => {
      const inst = args[0] as InstanceV;
      const x = args[1];
      if (x?.kind !== 'tensor' || !x.shape) return unknown(`${cls} is applied to data at run time`, site.range);
      const length = inst.attrs.get('output_sequence_length');
      const shape = cls === 'TextVectorization' ? [x.shape[0], length?.kind === 'int' ? length.value : NaN] : x.shape;
      return rt.tensor(shape, 'int64');
    },
  };
}

/** The vocabulary size a lookup layer is built with, or an Unknown saying why not. */
function vocabularySize(rt: KerasHost, cls: string, args: Value[], kw: Map<string, Value>, site: CallSite): Value {
  const line = site.range.start.line;
  const stated = rt.interp.stated.get(line)?.vocab;
  if (stated !== undefined) return int(stated);
  const vocabulary = kw.get('vocabulary') ?? (cls === 'TextVectorization' ? undefined : args[1]);
  if (vocabulary && isSequence(vocabulary)) return int(vocabulary.items.length + extraTokens(cls, kw));
  const maxTokens = kw.get('max_tokens') ?? (cls === 'TextVectorization' ? args[0] : undefined);
  if (maxTokens?.kind === 'int') {
    rt.interp.report(
      site.range,
      `${cls}: the vocabulary size is taken as max_tokens=${maxTokens.value}, the most it keeps (the data may give fewer); state it with '# wattlens: vocab=N' if it differs`,
    );
    return int(maxTokens.value);
  }
  const why =
    vocabulary?.kind === 'unknown'
      ? `its vocabulary comes from data (${vocabulary.reason})`
      : 'it is learned from data by adapt()';
  return unknown(
    `the vocabulary size of ${cls} at line ${line + 1} is not known: ${why}; state it with '# wattlens: vocab=N' on that line`,
    site.range,
  );
}
