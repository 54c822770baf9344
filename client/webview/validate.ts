// Checks a message from the extension before the panel draws it: a malformed message is reported and
// ignored, and the panel keeps what it showed.
import type { ToWebview } from '../src/panel/messages';

/** The message as a typed value, or the reason it is not one. */
export function parseToWebview(raw: unknown): ToWebview | string {
  if (!isRecord(raw) || typeof raw.type !== 'string') return 'not an object with a string `type`';
  switch (raw.type) {
    case 'report': {
      const report = raw.report;
      if (!isRecord(report)) return 'report: `report` is not an object';
      if (typeof report.uri !== 'string' || typeof report.version !== 'number')
        return 'report: needs `uri` and `version`';
      if (!Array.isArray(report.models) || !report.models.every(isModel))
        return 'report: `models` is not a list of models';
      if (!Array.isArray(report.advice) || !Array.isArray(report.cells))
        return 'report: needs `advice` and `cells` lists';
      if (!isRecord(report.settings)) return 'report: needs `settings`';
      if (!Array.isArray(raw.profiles)) return 'report: needs `profiles`';
      return raw as ToWebview;
    }
    case 'compare':
      return raw.result === null || isRecord(raw.result) ? (raw as ToWebview) : 'compare: `result` is not an object';
    case 'applied':
      return typeof raw.title === 'string' && typeof raw.ok === 'boolean' && typeof raw.message === 'string'
        ? (raw as ToWebview)
        : 'applied: needs `title`, `ok` and `message`';
    case 'error':
      return typeof raw.message === 'string' ? (raw as ToWebview) : 'error: needs `message`';
    default:
      return `unknown message type '${String(raw.type).slice(0, 40)}'`;
  }
}

function isModel(v: unknown): boolean {
  return (
    isRecord(v) &&
    typeof v.name === 'string' &&
    Array.isArray(v.layers) &&
    v.layers.every(isLayer) &&
    isRecord(v.totals)
  );
}

function isLayer(v: unknown): boolean {
  return isRecord(v) && typeof v.path === 'string' && typeof v.op === 'string';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
