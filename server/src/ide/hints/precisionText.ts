// How a model's precision reads wherever it is shown (lens, hover, hints, the CLI): the setting's, and
// beside it the precision the code states, "from the code", with where and for how many layer calls.
import type { LayerReport, ModelReport, Precision } from '../../core/report/types';

/**
 * "fp32"; "fp16 from the code (torch.autocast(dtype=torch.float16), line 17)" when every layer call
 * runs as the code states; "fp32, and fp16 from the code for 4 of 5 layer calls (…)" when some do.
 */
export function precisionText(model: ModelReport, setting: Precision): string {
  const stated = model.precisionFromCode ?? [];
  if (!stated.length) return setting;
  const calls = model.layers.length;
  const parts = stated.map((entry) => {
    const share = entry.layerCalls >= calls ? '' : ` for ${entry.layerCalls} of ${calls} layer calls`;
    return `${entry.precision} from the code${share} (${entry.source})`;
  });
  const all = stated.reduce((n, s) => n + s.layerCalls, 0) >= calls;
  return all ? parts.join('; ') : `${setting}, and ${parts.join('; ')}`;
}

/** A layer's precision: "fp16 from the code (…)", or the setting's. */
export function layerPrecisionText(layer: LayerReport, setting: Precision): string {
  return layer.precision ? `${layer.precision} from the code (${layer.precisionSource ?? 'the code'})` : setting;
}
