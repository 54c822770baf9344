// torch's short-time Fourier transform as audio models use it (torchaudio's HDemucs: torch.stft,
// torch.istft, torch.hann_window, torch.view_as_real / view_as_complex, a complex tensor's .real):
// shapes as torch computes them, no multiply-accumulates (torch runs FFTs, which count no MACs),
// and the FFT's FLOPs by FFTW's convention (https://www.fftw.org/speed/method.html: 5 N log2 N for a
// complex transform of size N, half that for a real one).
import { type Value, type TensorV, type CallSite, unknown, isNumber, numberOf } from '../../interpreter/python/values';
import { ShapeError } from './layers/layerSpec';
import { arg, like, guarded } from './tensorOps';
import type { TorchRuntime } from './runtime';

type Fn = (args: Value[], kw: Map<string, Value>, site: CallSite) => Value;

const numberArg = (v: Value | undefined, fallback: number): number =>
  v && isNumber(v) ? numberOf(v) : v === undefined || v.kind === 'none' ? fallback : NaN;
const flag = (v: Value | undefined, fallback: boolean): boolean => (v?.kind === 'bool' ? v.value : fallback);

/** FLOPs of `frames` real FFTs of size n. */
const realFftFlops = (frames: number, n: number) => Math.round(frames * 2.5 * n * Math.log2(n));

/** torch.stft, torch.istft, torch.hann_window (and the other windows), view_as_real, view_as_complex. */
export function spectralFunctions(rt: TorchRuntime): Record<string, Fn> {
  const window: Fn = (args, kw, site) => {
    const n = numberArg(arg(args, kw, 0, 'window_length'), NaN);
    if (!Number.isInteger(n)) return unknown('window length is unknown', site.range);
    return { kind: 'tensor', shape: [n], dtype: 'float32' } as TensorV;
  };
  return {
    hann_window: window,
    hamming_window: window,
    blackman_window: window,
    bartlett_window: window,
    kaiser_window: window,
    stft: (a, k, site) => guarded(rt, () => stft(rt, a, k, site), site),
    istft: (a, k, site) => guarded(rt, () => istft(rt, a, k, site), site),
    view_as_real: ([t]) => viewAs(t, 'real'),
    view_as_complex: ([t]) => viewAs(t, 'complex'),
  };
}

function viewAs(t: Value | undefined, to: 'real' | 'complex'): Value {
  if (t?.kind !== 'tensor' || !t.shape) return t ?? unknown('view_as_real of nothing');
  if (to === 'real') return like(t, [...t.shape, 2], 'float32');
  if (t.shape[t.shape.length - 1] !== 2)
    return { kind: 'tensor', shape: null, dtype: 'complex64', reason: 'view_as_complex needs a last dimension of 2' };
  return like(t, t.shape.slice(0, -1), 'complex64');
}

/** torch.stft(input (L) or (B, L), n_fft, hop_length=n_fft//4, ...): (B?, n_fft//2+1, frames), complex. */
function stft(rt: TorchRuntime, args: Value[], kw: Map<string, Value>, site: CallSite): Value {
  const x = arg(args, kw, 0, 'input');
  if (x?.kind !== 'tensor' || !x.shape) return x ?? unknown('torch.stft of nothing', site.range);
  const nFft = numberArg(arg(args, kw, 1, 'n_fft'), NaN);
  const hop = numberArg(arg(args, kw, 2, 'hop_length'), Math.floor(nFft / 4));
  if (!Number.isInteger(nFft) || !Number.isInteger(hop)) return unknown('torch.stft sizes are unknown', site.range);
  if (x.shape.length < 1 || x.shape.length > 2)
    throw new ShapeError(`torch.stft expects a 1-D or 2-D input, got ${x.shape.length}-D`);
  const length = x.shape[x.shape.length - 1];
  const center = flag(arg(args, kw, 5, 'center'), true);
  const padded = center ? length + 2 * Math.floor(nFft / 2) : length;
  if (padded < nFft) throw new ShapeError(`torch.stft: input of length ${length} is shorter than n_fft=${nFft}`);
  const frames = 1 + Math.floor((padded - nFft) / hop);
  const onesided = flag(kw.get('onesided'), true);
  const freqs = onesided ? Math.floor(nFft / 2) + 1 : nFft;
  const complex = flag(kw.get('return_complex'), false);
  const shape = [...x.shape.slice(0, -1), freqs, frames, ...(complex ? [] : [2])];
  const batch = x.shape.length === 2 ? x.shape[0] : 1;
  const out = like(x, shape, complex ? 'complex64' : 'float32');
  return rt.recordOp('stft', [x], out, 0, site, realFftFlops(batch * frames, nFft));
}

/** torch.istft(input (B?, freqs, frames), n_fft, hop_length, ..., length=None): (B?, length). */
function istft(rt: TorchRuntime, args: Value[], kw: Map<string, Value>, site: CallSite): Value {
  const z = arg(args, kw, 0, 'input');
  if (z?.kind !== 'tensor' || !z.shape) return z ?? unknown('torch.istft of nothing', site.range);
  const nFft = numberArg(arg(args, kw, 1, 'n_fft'), NaN);
  const hop = numberArg(arg(args, kw, 2, 'hop_length'), Math.floor(nFft / 4));
  if (!Number.isInteger(nFft) || !Number.isInteger(hop)) return unknown('torch.istft sizes are unknown', site.range);
  if (z.shape.length < 2 || z.shape.length > 3)
    throw new ShapeError(`torch.istft expects a 2-D or 3-D input, got ${z.shape.length}-D`);
  const frames = z.shape[z.shape.length - 1];
  const center = flag(arg(args, kw, 5, 'center'), true);
  const stated = arg(args, kw, 8, 'length');
  const full = nFft + hop * (frames - 1);
  const length = stated && isNumber(stated) ? numberOf(stated) : center ? full - 2 * Math.floor(nFft / 2) : full;
  const batch = z.shape.length === 3 ? z.shape[0] : 1;
  const out = like(z, [...z.shape.slice(0, -2), length], 'float32');
  return rt.recordOp('istft', [z as TensorV], out, 0, site, realFftFlops(batch * frames, nFft));
}
