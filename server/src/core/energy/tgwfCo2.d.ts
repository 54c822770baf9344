// Type declarations for the one part of @tgwf/co2 (which ships no types) that WattLens reads.
declare module '@tgwf/co2/data' {
  /** Annual average grid intensity in gCO2e/kWh, keyed by ISO 3166 alpha-3 code or region name. */
  export const averageIntensity: { data: Record<string, number>; type: string };
}
