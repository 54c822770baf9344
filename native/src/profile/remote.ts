// Profiling from a long-lived process (the language server): the whole profile runs in a host
// process, so the caller's event loop stays free; cancelling or a timeout kills the host and its runner.
import type { ProfileReport } from '../../../server/src/core/report/profile';
import { childEntry, forkChild, type RunnerControl } from '../runner/parent';
import type { ProfileOptions } from './profileFile';

/** A profile request as it crosses to the host: the options without what cannot be sent. */
export type HostRequest = Omit<ProfileOptions, 'signal' | 'onProgress'>;

/** Profiles in a host process; rejects with RunnerError ('failed' carries a usage message such as "no model to profile"). */
export function profileInChild(request: HostRequest, control: RunnerControl): Promise<ProfileReport> {
  return forkChild<ProfileReport>(childEntry('profileHost.js', 'profile/host.ts'), request, control, 'profiler');
}
