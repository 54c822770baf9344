// The energy layer's public surface for the CLI and the language server: profiles, the roofline
// and energy model, carbon, precision, calibration, training figures and the budget gate.
export * from './types';
export * from './profiles';
export * from './precision';
export * from './efficiency';
export * from './roofline';
export * from './energy';
export * from './carbon';
export * from './context';
export * from './applyEnergy';
export * from './training';
export * from './calibration';
export * from './energyBudget';
export * from './generation';
export * from './generationEnergy';
export * from './generationWhatIf';
