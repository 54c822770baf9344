// Wires pretrained-checkpoint loading (frameworks/hub) and training-run recognition into a Session:
// the hooks, the namespaces, the post-run loop analysis, hub model reports and training-run reports.
import type { SyntaxNode } from '../../parse/syntax';
import type { Scope, ClassV, ModuleV, NamespaceV, Value } from '../../interpreter/python/values';
import type { FrameworkHooks } from '../../interpreter/python/hooks';
import type { Interpreter } from '../../interpreter/python/interpreter';
import type { ModelCatalog } from '../../catalog/modelCatalog';
import type { ModelReport, Precision, TrainingRunReport } from '../../report/types';
import type { TorchRuntime } from '../../frameworks/torch/runtime';
import { HubRuntime, type LocalConfigs } from '../../frameworks/hub/runtime';
import { installHubModules } from '../../frameworks/hub/loaders';
import { hubReports } from '../../frameworks/hub/report';
import { TrainingRecorder } from './trainingRecorder';
import { installTrainingModules } from './trainingNamespaces';
import { collectLoopRuns } from './trainingLoops';
import { buildTrainingRuns } from './trainingRuns';

/** The hub and training parts of one analysis. */
export class HubTrainingSession {
  readonly hub: HubRuntime;
  readonly training: TrainingRecorder;
  private root?: SyntaxNode;

  constructor(
    private readonly rt: TorchRuntime,
    catalog: ModelCatalog | undefined,
    configs?: LocalConfigs,
  ) {
    this.hub = new HubRuntime(rt, catalog, configs);
    this.training = new TrainingRecorder(rt, this.hub, catalog);
  }

  /** The hooks to put first in the interpreter's list (training wraps `fit`; the hub owns checkpoint modules). */
  get hooks(): FrameworkHooks[] {
    return [this.training, this.hub];
  }

  /** Gives both parts the interpreter (after it is built with `hooks`). */
  setInterpreter(interp: Interpreter): void {
    this.training.interp = interp;
  }

  /** Adds the hub and training namespaces to the module table; `nn` is torch.nn (its Module is the base class). */
  install(all: Record<string, NamespaceV>, nn: NamespaceV): void {
    const Module = nn.attrs.get('Module') as ClassV;
    this.hub.setModuleClass(Module);
    installHubModules(this.hub, all);
    installTrainingModules(this.training, all, Module);
  }

  /**
   * Resolves an import the module table lacks through the hub's on-demand namespaces
   * (`from torchvision.models import resnet50`, `from keras.applications.resnet50 import ResNet50`).
   */
  resolveModule(dotted: string, all: Record<string, NamespaceV>): Value | undefined {
    const dot = dotted.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const parent = all[dotted.slice(0, dot)] ?? this.resolveModule(dotted.slice(0, dot), all);
    if (parent?.kind !== 'namespace') return undefined;
    const name = dotted.slice(dot + 1);
    return (
      parent.attrs.get(name) ??
      (this.hub.dynamic.has(parent) ? this.hub.getAttr(parent, name, { range: ZERO }) : undefined)
    );
  }

  /** Before the module runs: the tree, to locate checkpoint names and loop sites. */
  beforeRun(root: SyntaxNode): void {
    this.root = root;
    this.hub.setTree(root);
    this.training.setTree(root);
  }

  /** After the module ran: training loops, with their models traced on one batch where possible. */
  afterRun(scope: Scope, text: string): void {
    if (this.root) collectLoopRuns(this.root, this.training, (name) => scope.vars.get(name), text);
  }

  /** True for the module value of a loaded checkpoint (reported as a hub model, not as a PyTorch root). */
  owns(v: Value): boolean {
    return this.hub.owns(v);
  }

  /** Hub model reports; a checkpoint inside one of `roots` (a user model's backbone) is reported with root: false. */
  reports(precision: Precision, batch: number | undefined, roots: ModuleV[]): ModelReport[] {
    const inside = (m: ModuleV) => roots.some((r) => r !== m && contains(r, m));
    return hubReports(this.hub.loaded, {
      precision,
      batch,
      root: (lc) => !inside(lc.module),
      statedOf: (m) => this.rt.precision.ofModule(m),
    });
  }

  /** Training runs, costed from `models`; `reportOfModule` finds a PyTorch module's report. */
  trainingRuns(models: ModelReport[], reportOfModule: (m: ModuleV) => ModelReport | undefined): TrainingRunReport[] {
    const reportOf = (v: Value): ModelReport | undefined => {
      const lc = this.hub.checkpointOf(v);
      if (lc)
        return (
          models.find((m) => m.framework === 'hub' && m.range === lc.nameRange) ??
          models.find((m) => m.framework === 'hub' && m.name === lc.name)
        );
      if (v.kind === 'module') return reportOfModule(v);
      if (v.kind === 'instance') return models.find((m) => m.root && m.name === v.cls.name);
      return undefined;
    };
    return buildTrainingRuns(this.training, this.root, models, reportOf);
  }
}

const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function contains(root: ModuleV, m: ModuleV, seen = new Set<ModuleV>()): boolean {
  if (root === m) return true;
  if (seen.has(root)) return false;
  seen.add(root);
  return [...root.children.values()].some((c) => contains(c, m, seen));
}
