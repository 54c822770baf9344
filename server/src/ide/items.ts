// Plain results of the features, in source coordinates (0-based lines and UTF-16 characters of the
// analysed text); convert.ts alone turns them into LSP types and maps notebook lines to cells.
import type { Range } from '../core/parse/syntax';
import type { Precision } from '../core/report/types';

/** An inlay hint at the end of a source line. */
export interface HintItem {
  line: number;
  label: string;
  /** Markdown. */
  tooltip: string;
}

/** A hover: the range it covers and its Markdown. */
export interface HoverItem {
  range: Range;
  markdown: string;
}

/** A code lens: where and its title; `profileModel` makes it run the client's profiling command on that model. */
export interface LensItem {
  range: Range;
  title: string;
  profileModel?: string;
}

/** A diagnostic. */
export interface FindingItem {
  range: Range;
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
  code: string;
}

/** Replace `range` with `newText`. */
export interface EditItem {
  range: Range;
  newText: string;
}

/** A code action with its edit, what kind of advice it is, and what it promises. */
export interface ActionItem {
  title: string;
  kind: 'quickfix' | 'refactor.rewrite';
  /** Which advice this is (tests apply each kind's edit and re-analyse to check its promise). */
  advice: ActionKind;
  /** The saving the title promises, priced on the device the edited code runs on. */
  saving?: Saving;
  edits: EditItem[];
  /** Diagnostics this action fixes. */
  fixes?: FindingItem[];
  preferred?: boolean;
}

/** The kinds of code action, one name per promise the tests check by applying the edit and re-analysing. */
export type ActionKind =
  | 'conv-bias-false'
  | 'no-grad'
  | 'quantize-dynamic-int8'
  | 'autocast'
  | 'autocast-training'
  | 'prune-unstructured'
  | 'prune-structured'
  | 'smaller-checkpoint'
  | 'distillation'
  | 'keras-mixed-precision'
  | 'tflite-int8'
  | 'tfjs-quantize-uint8'
  | 'fp8'
  | 'sparsity-2-4'
  | 'tensorrt-int8'
  | 'example-input'
  | 'load-half-precision'
  | 'use-kv-cache'
  | 'load-4bit'
  | 'load-8bit';

/**
 * What an action promises, priced on the energy model on the device where the edited code runs.
 * `before` and `after` are joules of the same scope; null (with `reason`) when they cannot be said.
 */
export interface Saving {
  /** One forward pass of `model` (a batch of `samples`), the training run of `model`, or its generate call (all its tokens). */
  scope: 'forward-pass' | 'training-run' | 'generation';
  model: string;
  samples?: number;
  /** The hardware profile the saving is priced on. */
  device: string;
  /** The precision the edited code runs at, when the action changes it. */
  precision?: Precision;
  before: number | null;
  after: number | null;
  reason?: string;
  /** What the saving needs beyond the edit (the model rebuilt without zeroed channels, a trained student). */
  needs?: string;
  /** A change in parameters the edit makes (bias=False), when that is the promise. */
  params?: { before: number; after: number };
}
