import { execFileSync } from 'node:child_process';

/** Whether a system command is installed (suites that need one skip, with a reason, where it is not). */
export function hasCommand(command: string, versionArgs: readonly string[] = ['--version']): boolean {
  try {
    execFileSync(command, versionArgs, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
