// The messages between the profiling panel's webview and the extension, and the checks that turn an
// untrusted message into a typed one (a malformed message is reported and dropped, never acted on).
import type {
  CompareResult,
  CompareSetup,
  HardwareProfileSummary,
  Location,
  PanelReport,
} from '../../../server/src/protocol';

/** Extension → webview. */
export type ToWebview =
  | {
      type: 'report';
      report: PanelReport;
      focusCell: number | null;
      profiles: HardwareProfileSummary[];
    }
  | { type: 'compare'; result: CompareResult | null; error: string | null }
  | { type: 'applied'; title: string; ok: boolean; message: string }
  | { type: 'error'; message: string };

/** Webview → extension. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'reveal'; location: Location }
  | { type: 'apply'; index: number; title: string }
  | { type: 'compare'; model: string; a: CompareSetup; b: CompareSetup }
  | { type: 'export'; format: 'csv' | 'json' }
  | { type: 'profileLocally'; model: string }
  | { type: 'rendered'; version: number; layers: number; ms: number }
  | { type: 'problem'; message: string };

const PRECISIONS = new Set(['fp32', 'tf32', 'fp16', 'bf16', 'fp8', 'int8']);

/** A message from the webview as a typed value, or the reason it is not one. */
export function parseFromWebview(raw: unknown): FromWebview | string {
  if (!isRecord(raw) || typeof raw.type !== 'string') return 'not an object with a string `type`';
  switch (raw.type) {
    case 'ready':
      return { type: 'ready' };
    case 'reveal':
      return isLocation(raw.location)
        ? { type: 'reveal', location: raw.location }
        : 'reveal: `location` is not a location';
    case 'apply':
      return isIndex(raw.index) && typeof raw.title === 'string'
        ? { type: 'apply', index: raw.index, title: raw.title }
        : 'apply: needs a non-negative integer `index` and a string `title`';
    case 'compare':
      return typeof raw.model === 'string' && isSetup(raw.a) && isSetup(raw.b)
        ? { type: 'compare', model: raw.model, a: raw.a, b: raw.b }
        : 'compare: needs `model` and two setups `{ hardware, precision }`';
    case 'export':
      return raw.format === 'csv' || raw.format === 'json'
        ? { type: 'export', format: raw.format }
        : 'export: `format` must be csv or json';
    case 'profileLocally':
      return typeof raw.model === 'string'
        ? { type: 'profileLocally', model: raw.model }
        : 'profileLocally: needs `model`';
    case 'rendered':
      return isIndex(raw.version) && isIndex(raw.layers) && typeof raw.ms === 'number' && Number.isFinite(raw.ms)
        ? { type: 'rendered', version: raw.version, layers: raw.layers, ms: raw.ms }
        : 'rendered: needs `version`, `layers` and `ms`';
    case 'problem':
      return typeof raw.message === 'string'
        ? { type: 'problem', message: raw.message.slice(0, 2000) }
        : 'problem: needs `message`';
    default:
      return `unknown message type '${String(raw.type).slice(0, 40)}'`;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function isPosition(v: unknown): boolean {
  return isRecord(v) && isIndex(v.line) && isIndex(v.character);
}

/** A `{ uri, range }` with a string URI and integer positions. */
export function isLocation(v: unknown): v is Location {
  return (
    isRecord(v) &&
    typeof v.uri === 'string' &&
    v.uri.length < 4096 &&
    isRecord(v.range) &&
    isPosition(v.range.start) &&
    isPosition(v.range.end)
  );
}

function isSetup(v: unknown): v is CompareSetup {
  return (
    isRecord(v) && typeof v.hardware === 'string' && v.hardware.length < 200 && PRECISIONS.has(v.precision as string)
  );
}
