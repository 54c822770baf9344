// The hub libraries as the interpreter sees them: transformers (Auto* classes, pipeline), timm,
// torchvision.models, keras.applications, sentence_transformers, ultralytics and torch.hub.
import { type Value, type NamespaceV, type CallSite, builtin } from '../../interpreter/python/values';
import { precisionOfDtype } from '../../report/precision';
import type { CatalogEntry, CheckpointKind } from '../../catalog/modelCatalog';
import type { HubRuntime, NameArg } from './runtime';
import type { LoadRequest } from './figures';
import { PIPELINE_DEFAULTS, pipelineTask, pipelineLmHead, classLmHead, headNote } from './figures';

type Kw = Map<string, Value>;

/**
 * The namespace at `dotted` in the module table, created (opaque: unknown names stay Unknown) and
 * linked to its parent's attributes when missing; an existing namespace (torch.hub) is reused.
 */
export function ensureNamespace(all: Record<string, NamespaceV>, dotted: string): NamespaceV {
  if (all[dotted]) return all[dotted];
  const dot = dotted.lastIndexOf('.');
  let ns: NamespaceV | undefined;
  if (dot > 0) {
    const parent = ensureNamespace(all, dotted.slice(0, dot));
    const child = dotted.slice(dot + 1);
    const existing = parent.attrs.get(child);
    if (existing?.kind === 'namespace') ns = existing;
    else parent.attrs.set(child, (ns = opaqueNamespace(dotted)));
  }
  all[dotted] = ns ?? opaqueNamespace(dotted);
  return all[dotted];
}

function opaqueNamespace(dotted: string): NamespaceV {
  return { kind: 'namespace', name: dotted, attrs: new Map(), opaque: `${dotted} is not modelled` };
}

const intKw = (kw: Kw, name: string): number | undefined => {
  const v = kw.get(name);
  return v?.kind === 'int' ? v.value : undefined;
};
const strOf = (v: Value | undefined): string | undefined => (v?.kind === 'str' ? v.value : undefined);
const falsy = (v: Value | undefined): boolean =>
  v?.kind === 'bool' ? !v.value : v?.kind === 'int' ? v.value === 0 : false;
const truthyKw = (v: Value | undefined): boolean =>
  v?.kind === 'bool' ? v.value : v?.kind === 'int' ? v.value !== 0 : false;

/** Installs every hub namespace into the module table (merging into namespaces that already exist). */
export function installHubModules(hub: HubRuntime, all: Record<string, NamespaceV>): void {
  installTransformers(hub, all);
  installTimm(hub, all);
  installTorchvision(hub, all);
  for (const root of ['keras.applications', 'tensorflow.keras.applications', 'tf_keras.applications'])
    installKerasApplications(hub, ensureNamespace(all, root));
  const st = ensureNamespace(all, 'sentence_transformers');
  for (const cls of ['SentenceTransformer', 'CrossEncoder', 'SparseEncoder']) {
    st.attrs.set(
      cls,
      builtin(cls, (a, kw, site) =>
        hub.load(
          { kind: 'sentence-transformers', loader: cls, lmHead: false },
          { value: a[0] ?? kw.get('model_name_or_path') ?? kw.get('model_name'), pos: 0, kw: 'model_name_or_path' },
          site,
        ),
      ),
    );
  }
  const ul = ensureNamespace(all, 'ultralytics');
  for (const cls of ['YOLO', 'RTDETR', 'SAM', 'NAS', 'YOLOWorld'])
    ul.attrs.set(
      cls,
      builtin(cls, (a, kw, site) => ultralyticsLoad(hub, cls, a[0] ?? kw.get('model'), site)),
    );
  installVllm(hub, all);
  ensureNamespace(all, 'torch.hub').attrs.set(
    'load',
    builtin('torch.hub.load', (a, kw, site) => torchHubLoad(hub, a, kw, site)),
  );
}

/** vLLM: `LLM(model=...)` loads a Hugging Face checkpoint; `SamplingParams(max_tokens=N)` keeps its arguments. */
function installVllm(hub: HubRuntime, all: Record<string, NamespaceV>): void {
  const vllm = ensureNamespace(all, 'vllm');
  vllm.attrs.set(
    'LLM',
    builtin('LLM', (a, kw, site) =>
      hub.load(
        { kind: 'hf', loader: 'vllm.LLM', lmHead: true },
        { value: a[0] ?? kw.get('model'), pos: 0, kw: 'model' },
        site,
      ),
    ),
  );
  vllm.attrs.set(
    'SamplingParams',
    builtin('SamplingParams', (_a, kw) => {
      const v = hub.tokenizer('SamplingParams');
      hub.samplingParams.set(v, new Map(kw));
      return v;
    }),
  );
}

function installTransformers(hub: HubRuntime, all: Record<string, NamespaceV>): void {
  const tf = ensureNamespace(all, 'transformers');
  tf.attrs.set(
    'pipeline',
    builtin('pipeline', (a, kw, site) => pipelineLoad(hub, a, kw, site)),
  );
  hub.dynamic.set(tf, (name) => transformersAttr(hub, name));
}

/** `transformers.<Name>`: tokenizers / processors / configs, and model classes with from_pretrained. */
function transformersAttr(hub: HubRuntime, name: string): Value | undefined {
  if (!/^[A-Z]/.test(name)) return undefined;
  if (/(Tokenizer|TokenizerFast|Processor|FeatureExtractor|Config)$/.test(name)) {
    const make = () => hub.tokenizer(name);
    return hub.classLike(name, { from_pretrained: builtin(`${name}.from_pretrained`, make) }, make);
  }
  if (!/(Model|LMHeadModel|For[A-Z]\w*)$/.test(name) || /^(Trainer|TrainingArguments|PreTrainedModel)$/.test(name))
    return undefined;
  const fromPretrained = builtin(`${name}.from_pretrained`, (a, kw, site) => {
    const numLabels = intKw(kw, 'num_labels');
    const req: LoadRequest = {
      kind: 'hf',
      loader: `${name}.from_pretrained`,
      ...dtypeOf(kw, `${name}.from_pretrained`, site),
      lmHead: classLmHead(name.replace(/^(TF|Flax)/, '')),
      entryNotes: (e) => headNote(name, e, numLabels),
      modified: (e) =>
        numLabels !== undefined && /image-classification/.test(e.task)
          ? `num_labels=${numLabels} replaces the classifier`
          : undefined,
    };
    return hub.load(
      req,
      { value: a[0] ?? kw.get('pretrained_model_name_or_path'), pos: 0, kw: 'pretrained_model_name_or_path' },
      site,
    );
  });
  const fromConfig = builtin(`${name}.from_config`, (_a, _kw, site) =>
    hub.load(
      {
        kind: 'hf',
        loader: `${name}.from_config`,
        reason: 'built from a config object (untrained weights): its sizes come from the config, which is not read',
      },
      {},
      site,
    ),
  );
  return hub.classLike(name, { from_pretrained: fromPretrained, from_config: fromConfig }, (_a, _kw, site) =>
    hub.load(
      {
        kind: 'hf',
        loader: name,
        reason: `${name}(config) builds an untrained model from a config object, whose sizes are not read`,
      },
      {},
      site,
    ),
  );
}

/**
 * `torch_dtype=torch.float16` (or transformers' newer `dtype=`): the precision the loaded weights and
 * compute use, stated by the code; `"auto"` takes the checkpoint's own, which is not read, so no statement.
 */
function dtypeOf(kw: Kw, loader: string, site: CallSite): Pick<LoadRequest, 'precision' | 'precisionSource'> {
  for (const key of ['torch_dtype', 'dtype']) {
    const v = kw.get(key);
    const precision = v?.kind === 'str' ? precisionOfDtype(v.value) : undefined;
    if (v?.kind === 'str' && precision && precision !== 'fp32')
      return { precision, precisionSource: `${loader}(${key}=torch.${v.value}), line ${site.range.start.line + 1}` };
  }
  return {};
}

/** `pipeline(task, model=...)`: the named checkpoint, or transformers' default for the task if catalogued. */
function pipelineLoad(hub: HubRuntime, a: Value[], kw: Kw, site: CallSite): Value {
  const taskV = a[0] ?? kw.get('task');
  const modelV = kw.get('model') ?? a[1];
  if (modelV && hub.owns(modelV)) return modelV;
  const task = strOf(taskV);
  const canonical = task ? pipelineTask(task) : undefined;
  const loader = `pipeline(${task ? JSON.stringify(task) : '…'})`;
  const lmHead = canonical ? pipelineLmHead(canonical) : undefined;
  if (modelV && modelV.kind !== 'none')
    return hub.load(
      { kind: 'hf', loader, lmHead, ...dtypeOf(kw, 'pipeline', site) },
      { value: modelV, pos: 1, kw: 'model' },
      site,
    );
  const taskArg: NameArg = { pos: 0, kw: 'task' };
  if (!canonical)
    return hub.load(
      { kind: 'hf', loader, reason: 'the pipeline task is not a string literal, so its default model is unknown' },
      taskArg,
      site,
    );
  const dflt = PIPELINE_DEFAULTS[canonical];
  if (!dflt)
    return hub.load(
      {
        kind: 'hf',
        loader,
        name: task,
        reason: `pipeline("${task}") without model=: no default checkpoint known for this task`,
      },
      taskArg,
      site,
    );
  const source = 'transformers src/transformers/pipelines/__init__.py, SUPPORTED_TASKS default';
  if (!hub.catalog?.lookupCheckpoint(dflt, 'hf')) {
    return hub.load(
      {
        kind: 'hf',
        loader,
        name: dflt,
        reason: `pipeline("${task}") without model= loads ${dflt} (${source}), which is not in the catalog: no figures guessed`,
      },
      taskArg,
      site,
    );
  }
  return hub.load(
    {
      kind: 'hf',
      loader,
      name: dflt,
      lmHead,
      notes: [`no model= given: ${dflt} is transformers' default for "${task}" (${source})`],
    },
    taskArg,
    site,
  );
}

function installTimm(hub: HubRuntime, all: Record<string, NamespaceV>): void {
  const timm = ensureNamespace(all, 'timm');
  timm.attrs.set(
    'create_model',
    builtin('timm.create_model', (a, kw, site) =>
      hub.load(
        {
          kind: 'timm',
          loader: 'timm.create_model',
          modified: () => visionHeadChange(kw, 'num_classes') ?? timmFeatures(kw),
        },
        { value: a[0] ?? kw.get('model_name'), pos: 0, kw: 'model_name' },
        site,
      ),
    ),
  );
}

function timmFeatures(kw: Kw): string | undefined {
  if (truthyKw(kw.get('features_only'))) return 'features_only=True returns feature maps without the head';
  const chans = intKw(kw, 'in_chans');
  return chans !== undefined && chans !== 3 ? `in_chans=${chans} changes the stem` : undefined;
}

/** A classifier size other than the ImageNet-1k one the catalogued checkpoints have. */
function visionHeadChange(kw: Kw, key: string): string | undefined {
  const n = intKw(kw, key);
  if (n === undefined || n === 1000) return undefined;
  return n === 0 ? `${key}=0 removes the classifier` : `${key}=${n} replaces the 1000-class classifier`;
}

const TORCHVISION_HELPERS = new Set(['list_models', 'get_model_weights', 'get_weight', 'get_model_builder']);

function installTorchvision(hub: HubRuntime, all: Record<string, NamespaceV>): void {
  for (const dotted of [
    'torchvision.models',
    'torchvision.models.detection',
    'torchvision.models.segmentation',
    'torchvision.models.video',
    'torchvision.models.quantization',
  ]) {
    const ns = ensureNamespace(all, dotted);
    if (dotted === 'torchvision.models') {
      ns.attrs.set(
        'get_model',
        builtin('torchvision.models.get_model', (a, kw, site) =>
          torchvisionLoad(hub, strOf(a[0] ?? kw.get('name')), 'get_model', kw, site, {
            value: a[0] ?? kw.get('name'),
            pos: 0,
            kw: 'name',
          }),
        ),
      );
    }
    hub.dynamic.set(ns, (name) =>
      /^[a-z]/.test(name) && !TORCHVISION_HELPERS.has(name) && !ns.attrs.has(name)
        ? builtin(`${dotted}.${name}`, (_a, kw, site) => torchvisionLoad(hub, name, `${dotted}.${name}`, kw, site, {}))
        : undefined,
    );
  }
}

function torchvisionLoad(
  hub: HubRuntime,
  name: string | undefined,
  loader: string,
  kw: Kw,
  site: CallSite,
  arg: NameArg,
): Value {
  return hub.load(
    { kind: 'torchvision', loader, name, modified: () => visionHeadChange(kw, 'num_classes') },
    arg,
    site,
  );
}

/** keras.applications.<Name>(...) and keras.applications.<module>.<Name>(...). */
function installKerasApplications(hub: HubRuntime, ns: NamespaceV): void {
  hub.dynamic.set(ns, (name) => {
    if (/^[A-Z]/.test(name))
      return builtin(`${ns.name}.${name}`, (_a, kw, site) => kerasLoad(hub, name, `${ns.name}.${name}`, kw, site));
    if (/^[a-z]\w*$/.test(name) && !['preprocess_input', 'decode_predictions'].includes(name)) {
      const sub: NamespaceV = {
        kind: 'namespace',
        name: `${ns.name}.${name}`,
        attrs: new Map(),
        opaque: `${ns.name}.${name} is not modelled`,
      };
      hub.dynamic.set(sub, (inner) =>
        /^[A-Z]/.test(inner)
          ? builtin(`${sub.name}.${inner}`, (_a, kw, site) => kerasLoad(hub, inner, `${sub.name}.${inner}`, kw, site))
          : undefined,
      );
      return sub;
    }
    return undefined;
  });
}

function kerasLoad(hub: HubRuntime, name: string, loader: string, kw: Kw, site: CallSite): Value {
  const classesV = kw.get('classes');
  const classes = classesV?.kind === 'int' && classesV.value !== 1000 ? classesV.value : undefined;
  const modified = (e: CatalogEntry): string | undefined => {
    if (falsy(kw.get('include_top'))) return 'include_top=False removes the classifier';
    // An unknown class count sizes the head: unknown, never the ImageNet head's figure.
    if (classesV && classesV.kind !== 'int')
      return `classes= is not known statically${classesV.kind === 'unknown' ? ` (${classesV.reason})` : ''}; it sets the classifier's size`;
    if (classes !== undefined && e.classifierFeatures) return undefined;
    const head = visionHeadChange(kw, 'classes');
    if (head) return head;
    const shape = kw.get('input_shape');
    if (shape && (shape.kind === 'tuple' || shape.kind === 'list')) {
      const dims = shape.items.map((d) => (d.kind === 'int' ? d.value : null));
      const typical = (e.typicalInput ?? []).slice(1);
      if (dims.length !== typical.length || dims.some((d, i) => d !== typical[i]))
        return `input_shape=(${dims.map((d) => d ?? 'None').join(', ')}) differs from the catalog's typical input (${typical.join(', ')})`;
    }
    return undefined;
  };
  return hub.load({ kind: 'keras', loader, name, modified, classes }, {}, site);
}

function ultralyticsLoad(hub: HubRuntime, cls: string, nameV: Value | undefined, site: CallSite): Value {
  const raw = strOf(nameV);
  const yaml = raw?.match(/^(.*)\.ya?ml$/);
  const req: LoadRequest = { kind: 'ultralytics', loader: cls };
  if (yaml && hub.catalog?.lookupCheckpoint(yaml[1], 'ultralytics')) {
    req.name = yaml[1];
    req.notes = [`built from ${raw}: the catalogued architecture with untrained weights`];
  }
  return hub.load(req, { value: nameV, pos: 0, kw: 'model' }, site);
}

function torchHubLoad(hub: HubRuntime, a: Value[], kw: Kw, site: CallSite): Value {
  const repo = strOf(a[0] ?? kw.get('repo_or_dir'));
  const model = strOf(a[1] ?? kw.get('model'));
  const arg: NameArg = { value: a[1] ?? kw.get('model'), pos: 1, kw: 'model' };
  if (strOf(kw.get('source')) === 'local')
    return hub.load(
      {
        kind: 'torch-hub',
        loader: 'torch.hub.load',
        name: model,
        reason: `"${repo}": local path, not in catalog (source='local'), no figures guessed`,
      },
      arg,
      site,
    );
  if (!repo || !model) return hub.load({ kind: 'torch-hub', loader: 'torch.hub.load' }, arg, site);
  const repoName = repo.replace(/:.*$/, '');
  const candidates: [string, CheckpointKind][] = [
    [`${repoName}/${model}`, 'torch-hub'],
    [model, 'torch-hub'],
  ];
  if (/^pytorch\/vision$/i.test(repoName)) candidates.push([model, 'torchvision']);
  const hit = candidates.find(([n, k]) => hub.catalog?.lookupCheckpoint(n, k));
  if (!hit)
    return hub.load(
      { kind: 'torch-hub', loader: `torch.hub.load("${repo}")`, name: `${repoName}/${model}` },
      arg,
      site,
    );
  return hub.load({ kind: hit[1], loader: `torch.hub.load("${repo}")`, name: hit[0] }, arg, site);
}
