// The byte rules every framework's report rows share: weights are parameters × bytes per element,
// activations are the elements a layer reads plus those it writes. Unknown in, unknown (null) out.

/** Bytes of a layer's weights, or null when its parameter count is unknown. */
export function weightBytesOf(params: number | null, bytesPerElement: number): number | null {
  return params === null ? null : params * bytesPerElement;
}

/** Bytes of activations a layer reads and writes, or null when either element count is unknown. */
export function activationBytesOf(
  inputElements: number | null,
  outputElements: number | null,
  bytesPerElement: number,
): number | null {
  return inputElements === null || outputElements === null ? null : (inputElements + outputElements) * bytesPerElement;
}
