// Normalisation layers: BatchNorm (inference form, running statistics), LayerNorm, GroupNorm (as the
// torch exporter writes it for opset 17: InstanceNormalization over groups, then the affine), InstanceNorm, LRN.
import { type EmitContext, intArg, numberArg, tensorArg } from './context';

/** nn.BatchNorm1d/2d/3d and F.batch_norm: BatchNormalization with the running mean and variance. */
export function emitBatchNorm(ctx: EmitContext): void {
  const channels = ctx.inputShape(0)[1];
  const eps = numberArg(ctx.arg('eps', 7), 1e-5);
  const [scale, bias, mean, variance] = ctx.node.layer
    ? [
        ctx.hasWeight('weight') ? ctx.weight('weight', 'ones') : ctx.filled([channels], 1),
        ctx.hasWeight('bias') ? ctx.weight('bias', 'zeros') : ctx.filled([channels], 0),
        ctx.hasWeight('running_mean') ? ctx.weight('running_mean', 'zeros') : ctx.filled([channels], 0),
        ctx.hasWeight('running_var') ? ctx.weight('running_var', 'ones') : ctx.filled([channels], 1),
      ]
    : [
        optionalTensor(ctx, 'weight', 3) ?? ctx.filled([channels], 1),
        optionalTensor(ctx, 'bias', 4) ?? ctx.filled([channels], 0),
        optionalTensor(ctx, 'running_mean', 1) ?? ctx.filled([channels], 0),
        optionalTensor(ctx, 'running_var', 2) ?? ctx.filled([channels], 1),
      ];
  const y = ctx.op('BatchNormalization', [ctx.input(0), scale, bias, mean, variance], undefined, {
    epsilon: { float: eps },
  });
  ctx.output(0, y);
}

/** nn.LayerNorm and F.layer_norm: LayerNormalization over the trailing `normalized_shape` dimensions. */
export function emitLayerNorm(ctx: EmitContext): void {
  const shape = ctx.inputShape(0);
  const normalized = ctx.arg('normalized_shape', 1);
  const dims = typeof normalized === 'number' ? 1 : Array.isArray(normalized) ? normalized.length : 1;
  const axis = shape.length - dims;
  const affineShape = shape.slice(axis);
  let scale: string;
  let bias: string | undefined;
  if (ctx.node.layer) {
    scale = ctx.hasWeight('weight') ? ctx.weight('weight', 'ones') : ctx.filled(affineShape, 1);
    bias = ctx.hasWeight('bias') ? ctx.weight('bias', 'zeros') : undefined;
  } else {
    scale = optionalTensor(ctx, 'weight', 2) ?? ctx.filled(affineShape, 1);
    bias = optionalTensor(ctx, 'bias', 3);
  }
  const inputs = bias ? [ctx.input(0), scale, bias] : [ctx.input(0), scale];
  const y = ctx.op('LayerNormalization', inputs, undefined, {
    axis: { int: axis },
    epsilon: { float: numberArg(ctx.arg('eps', 4), 1e-5) },
  });
  ctx.output(0, y);
}

/** nn.GroupNorm: reshape to groups, InstanceNormalization, reshape back, then the per-channel affine. */
export function emitGroupNorm(ctx: EmitContext): void {
  const shape = ctx.inputShape(0);
  const groups = intArg(ctx.arg('num_groups', 1), 1);
  const grouped = ctx.op('Reshape', [ctx.input(0), ctx.ints([shape[0], groups, -1])], 'group');
  const normed = ctx.op(
    'InstanceNormalization',
    [grouped, ctx.filled([groups], 1), ctx.filled([groups], 0)],
    undefined,
    { epsilon: { float: numberArg(ctx.arg('eps', 4), 1e-5) } },
  );
  let y = ctx.op('Reshape', [normed, ctx.ints(shape)], 'ungroup');
  const affine = [shape[1], ...shape.slice(2).map(() => 1)];
  const weight = ctx.node.layer
    ? ctx.hasWeight('weight')
      ? ctx.weight('weight', 'ones')
      : undefined
    : optionalTensor(ctx, 'weight', 2);
  const bias = ctx.node.layer
    ? ctx.hasWeight('bias')
      ? ctx.weight('bias', 'zeros')
      : undefined
    : optionalTensor(ctx, 'bias', 3);
  if (weight) y = ctx.op('Mul', [y, ctx.op('Reshape', [weight, ctx.ints(affine)], 'weight_shape')], 'scale');
  if (bias) y = ctx.op('Add', [y, ctx.op('Reshape', [bias, ctx.ints(affine)], 'bias_shape')], 'shift');
  ctx.output(0, y);
}

/** nn.InstanceNorm1d/2d/3d and F.instance_norm. */
export function emitInstanceNorm(ctx: EmitContext): void {
  const shape = ctx.inputShape(0);
  const channels = shape[1];
  const layer = !!ctx.node.layer;
  const scale =
    (layer ? (ctx.hasWeight('weight') ? ctx.weight('weight', 'ones') : undefined) : optionalTensor(ctx, 'weight', 3)) ??
    ctx.filled([channels], 1);
  const bias =
    (layer ? (ctx.hasWeight('bias') ? ctx.weight('bias', 'zeros') : undefined) : optionalTensor(ctx, 'bias', 4)) ??
    ctx.filled([channels], 0);
  const y = ctx.op('InstanceNormalization', [ctx.input(0), scale, bias], undefined, {
    epsilon: { float: numberArg(ctx.arg('eps', 7), 1e-5) },
  });
  ctx.output(0, y);
}

/** nn.LocalResponseNorm: LRN. */
export function emitLocalResponseNorm(ctx: EmitContext): void {
  const y = ctx.op('LRN', [ctx.input(0)], undefined, {
    size: { int: intArg(ctx.arg('size'), 5) },
    alpha: { float: numberArg(ctx.arg('alpha'), 1e-4) },
    beta: { float: numberArg(ctx.arg('beta'), 0.75) },
    bias: { float: numberArg(ctx.arg('k'), 1) },
  });
  ctx.output(0, y);
}

function optionalTensor(ctx: EmitContext, name: string, position: number): string | undefined {
  const id = tensorArg(ctx.arg(name, position));
  return id === undefined ? undefined : ctx.value(id);
}
