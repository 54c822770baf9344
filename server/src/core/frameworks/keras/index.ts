// The Keras / tf.keras plug-in: the runtime (FrameworkHooks), the modules it resolves, and the
// session half that traces and reports the file's Keras models.
export { KerasRuntime } from './runtime';
export type { KerasOptions } from './host';
export { kerasModules } from './namespace';
export { KerasSession } from './reports';
export { KERAS_LAYERS } from './layers';
export { kerasOpCost } from './layers/spec';
