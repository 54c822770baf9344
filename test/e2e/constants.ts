// Names shared by the end-to-end driver and the suites that run inside VS Code.

/** The id of the valid workspace hardware profile (listed only in a trusted workspace). */
export const WORKSPACE_PROFILE_ID = 'e2e-workstation-gpu';
