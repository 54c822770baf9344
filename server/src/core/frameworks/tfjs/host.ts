// What the tf namespace and the layer/model objects need of the TF.js runtime (runtime.ts's
// TfRuntime), stated apart so that they type this interface and the runtime, which imports them, implements it.
import type { JsValue, LayerV, ModelV, SymV, Site } from '../../interpreter/typescript/values';
import type { EvaluatorHost } from '../../interpreter/typescript/host';

/**
 * The part of TfRuntime that tfNamespace.ts and objects.ts use: building layers, inputs and models,
 * applying layers and models, and the evaluator for calling back into the program's functions.
 */
export interface TfHost {
  readonly ip: Pick<EvaluatorHost, 'callValue'>;
  /** `tf.layers.<factory>(options)`: a layer with tfjs's name, or one carrying why it is unknown. */
  createLayer(factory: string, args: JsValue[], site: Site): LayerV;
  /** `tf.input({shape | batchShape, name})`: a model input. */
  input(config: JsValue, site: Site): SymV;
  /** `tf.sequential({layers?, name?})`. */
  sequential(config: JsValue, site: Site): ModelV;
  /** `tf.model({inputs, outputs, name})`: the calls between the inputs and the outputs. */
  functional(config: JsValue, site: Site): ModelV;
  /** Applies a layer to symbolic inputs, recording the call; returns its output tensor(s). */
  applyLayer(layer: LayerV, input: JsValue, site: Site, prefix?: string, kwargs?: JsValue): JsValue;
  /** `model.add(layer)`: applies the layer to the model's current output. */
  add(m: ModelV, v: JsValue, site: Site, extend?: boolean): void;
  /** Applies a whole model to new inputs (a model used as a layer): its calls replayed under `prefix`. */
  applyModel(inner: ModelV, inputs: SymV[], site: Site, prefix: string): SymV[];
  /** The layers of a model, as `model.layers` lists them. */
  layersOf(m: ModelV): JsValue;
}
