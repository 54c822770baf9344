// torchvision.transforms (and transforms.v2) as far as they decide a sample's shape: Resize, CenterCrop,
// RandomCrop, RandomResizedCrop, Pad, Grayscale and ToTensor / PILToTensor / ToImage + ToDtype change it,
// the augmentations and Normalize keep it, and Compose chains them. A catalogued image dataset's images
// (profiles/datasets.json `image`) run through the dataset's transform give one sample's tensor, so a
// DataLoader over it has a known batch (the input rules' `loader` rule). Anything else leaves it unknown.
import {
  type Value,
  type InstanceV,
  type TensorV,
  type NamespaceV,
  builtin,
  isSequence,
  unknown,
} from '../../interpreter/python/values';
import { DTYPES } from '../../frameworks/torch/tensorOps';
import type { DataRegistry } from './trainingData';

/** An image as a transform sees it: a PIL image (size unknown where the dataset's images vary) or a tensor. */
export type ImageState =
  | { kind: 'pil'; channels: number; height?: number; width?: number }
  | { kind: 'tensor'; shape: number[]; dtype: TensorV['dtype'] };

/** One transform: the image after it, or why that is unknown. */
type Step = (image: ImageState) => ImageState | string;

/** Transforms that keep the image's shape (augmentations, colour changes, Normalize, dtype-keeping conversions). */
const SHAPE_KEEPING = [
  'Normalize',
  'RandomHorizontalFlip',
  'RandomVerticalFlip',
  'ColorJitter',
  'RandomRotation',
  'RandomAffine',
  'RandomPerspective',
  'GaussianBlur',
  'RandomGrayscale',
  'RandomInvert',
  'RandomPosterize',
  'RandomSolarize',
  'RandomAdjustSharpness',
  'RandomAutocontrast',
  'RandomEqualize',
  'AutoAugment',
  'RandAugment',
  'TrivialAugmentWide',
  'AugMix',
  'RandomErasing',
  'ElasticTransform',
  'ConvertImageDtype',
  'ToPILImage',
  'Identity',
];

const steps = new WeakMap<object, Step>();

/** The transform a value stands for (a torchvision transform or a Compose of them), if it is one. */
export function transformOf(v: Value | undefined): Step | undefined {
  return v ? steps.get(v) : undefined;
}

/** `(h, w)` from an int or a one- or two-item sequence of ints; undefined otherwise. */
function sizeOf(v: Value | undefined): [number, number] | undefined {
  if (v?.kind === 'int') return [v.value, v.value];
  if (v && isSequence(v) && v.items.every((x) => x.kind === 'int')) {
    const n = v.items.map((x) => (x as { value: number }).value);
    if (n.length === 1) return [n[0], n[0]];
    if (n.length === 2) return [n[0], n[1]];
  }
  return undefined;
}

/** The image with a new height × width (a PIL image or the last two dimensions of a tensor). */
function resized(image: ImageState, height: number, width: number): ImageState {
  return image.kind === 'pil'
    ? { ...image, height, width }
    : { ...image, shape: [...image.shape.slice(0, -2), height, width] };
}

function heightWidth(image: ImageState): [number | undefined, number | undefined] {
  return image.kind === 'pil' ? [image.height, image.width] : [image.shape.at(-2), image.shape.at(-1)];
}

/** `Resize(size)`: a pair is the size; an int sets the shorter side, the longer scaled as torchvision does (truncated). */
function resize(args: Value[], kw: Map<string, Value>): Step {
  const size = kw.get('size') ?? args[0];
  return (image) => {
    if (size && isSequence(size) && size.items.length === 2) {
      const hw = sizeOf(size);
      return hw ? resized(image, hw[0], hw[1]) : 'Resize: the size is not known statically';
    }
    const side = size?.kind === 'int' ? size.value : size && isSequence(size) ? sizeOf(size)?.[0] : undefined;
    if (side === undefined) return 'Resize: the size is not known statically';
    const [h, w] = heightWidth(image);
    if (h === undefined || w === undefined)
      return `Resize(${side}) keeps the aspect ratio of images whose size varies: add CenterCrop(${side}) or Resize((${side}, ${side}))`;
    return h <= w ? resized(image, side, Math.trunc((side * w) / h)) : resized(image, Math.trunc((side * h) / w), side);
  };
}

/** CenterCrop / RandomCrop / RandomResizedCrop / FiveCrop-free crops: the output is `size`. */
function crop(name: string, args: Value[], kw: Map<string, Value>): Step {
  const hw = sizeOf(kw.get('size') ?? args[0]);
  return (image) => (hw ? resized(image, hw[0], hw[1]) : `${name}: the size is not known statically`);
}

/** `Pad(padding)`: an int on every side, (left/right, top/bottom), or (left, top, right, bottom). */
function pad(args: Value[], kw: Map<string, Value>): Step {
  const p = kw.get('padding') ?? args[0];
  const n =
    p?.kind === 'int' ? [p.value] : p && isSequence(p) ? p.items.map((x) => (x.kind === 'int' ? x.value : NaN)) : [];
  const [l, t, r, b] = n.length === 1 ? [n[0], n[0], n[0], n[0]] : n.length === 2 ? [n[0], n[1], n[0], n[1]] : n;
  return (image) => {
    const [h, w] = heightWidth(image);
    if (n.length === 0 || n.length === 3 || n.some(Number.isNaN)) return 'Pad: the padding is not known statically';
    if (h === undefined || w === undefined) return 'Pad: the image size varies';
    return resized(image, h + t + b, w + l + r);
  };
}

/** ToTensor / PILToTensor / ToImage: a PIL image of known size becomes a C×H×W tensor. */
function toTensor(name: string, dtype: TensorV['dtype']): Step {
  return (image) => {
    if (image.kind === 'tensor') return name === 'ToTensor' ? { ...image, dtype } : image;
    if (image.height === undefined || image.width === undefined)
      return `${name}: the images vary in size (add Resize((h, w)) or a crop before it)`;
    return { kind: 'tensor', shape: [image.channels, image.height, image.width], dtype };
  };
}

/** `Grayscale(num_output_channels=1)`: that many channels. */
function grayscale(args: Value[], kw: Map<string, Value>): Step {
  const nV = kw.get('num_output_channels') ?? args[0];
  const n = nV?.kind === 'int' ? nV.value : 1;
  return (image) =>
    image.kind === 'pil'
      ? { ...image, channels: n }
      : { ...image, shape: [...image.shape.slice(0, -3), n, ...image.shape.slice(-2)] };
}

/** `ToDtype(torch.float32, scale=True)` (v2): the dtype it names. */
function toDtype(args: Value[], kw: Map<string, Value>): Step {
  const d = kw.get('dtype') ?? args[0];
  const dtype = d?.kind === 'str' ? DTYPES[d.value] : undefined;
  return (image) => (image.kind === 'tensor' && dtype ? { ...image, dtype } : image);
}

/** `Compose([...])`: each in order; an unknown member makes the result unknown, saying which. */
function compose(items: Value[]): Step {
  return (image) => {
    let at: ImageState | string = image;
    for (const item of items) {
      const step = transformOf(item);
      if (!step) return `a transform in Compose is not one the analysis models: the sample shape is unknown`;
      at = step(at);
      if (typeof at === 'string') return at;
    }
    return at;
  };
}

/** The step a transform class builds from its arguments, or undefined for a class that is not modelled. */
function stepFor(name: string, args: Value[], kw: Map<string, Value>): Step | undefined {
  if (name === 'Compose') {
    const list = kw.get('transforms') ?? args[0];
    return compose(list && isSequence(list) ? list.items : []);
  }
  if (name === 'Resize') return resize(args, kw);
  if (/^(CenterCrop|RandomCrop|RandomResizedCrop)$/.test(name)) return crop(name, args, kw);
  if (name === 'Pad') return pad(args, kw);
  if (name === 'ToTensor') return toTensor(name, 'float32');
  if (name === 'PILToTensor' || name === 'ToImage') return toTensor(name, 'uint8');
  if (name === 'Grayscale') return grayscale(args, kw);
  if (name === 'ToDtype') return toDtype(args, kw);
  if (SHAPE_KEEPING.includes(name)) return (image) => image;
  return undefined;
}

/** `transform(x)`: a tensor of known shape through the step; anything else (a PIL image, a file) is unknown. */
const applyTransform = builtin('transform.__call__', ([self, x], _kw, site) => {
  const step = transformOf(self);
  if (!step || x?.kind !== 'tensor' || !x.shape)
    return unknown('a transform applied to an image the analysis does not model: its shape is unknown', site.range);
  const out = step({ kind: 'tensor', shape: x.shape, dtype: x.dtype });
  if (typeof out === 'string') return unknown(out, site.range);
  return out.kind === 'tensor'
    ? { kind: 'tensor', shape: out.shape, dtype: out.dtype }
    : unknown('a PIL image', site.range);
});

/** The `torchvision.transforms` namespace: the modelled classes; any other member is opaque. */
export function transformsNamespace(data: DataRegistry, name: string): NamespaceV {
  const attrs = new Map<string, Value>();
  const names = [
    'Compose',
    'Resize',
    'CenterCrop',
    'RandomCrop',
    'RandomResizedCrop',
    'Pad',
    'ToTensor',
    'PILToTensor',
    'ToImage',
    'Grayscale',
    'ToDtype',
    ...SHAPE_KEEPING,
  ];
  for (const cls of names)
    attrs.set(
      cls,
      builtin(`${name}.${cls}`, (args, kw) => {
        const value: InstanceV = data.instance(`${name}.${cls}`);
        if (!value.cls.attrs.has('__call__')) value.cls.attrs.set('__call__', applyTransform);
        steps.set(value, stepFor(cls, args, kw)!);
        return value;
      }),
    );
  return {
    kind: 'namespace',
    name,
    attrs,
    opaque: `${name} member is not modelled: a sample it produces has an unknown shape`,
  };
}

/** One sample's image tensor: the dataset's images through `transform`, or why it is unknown. */
export function transformedImage(
  image: { channels: number; height?: number; width?: number },
  transform: Value | undefined,
): TensorV | string {
  if (!transform || transform.kind === 'none') return 'no transform: the samples are PIL images, not tensors';
  const step = transformOf(transform);
  if (!step) return 'the transform is not one the analysis models: the sample shape is unknown';
  const out = step({ kind: 'pil', ...image });
  if (typeof out === 'string') return out;
  if (out.kind === 'pil') return 'the transform ends on a PIL image (no ToTensor): the samples are not tensors';
  return { kind: 'tensor', shape: out.shape, dtype: out.dtype };
}
