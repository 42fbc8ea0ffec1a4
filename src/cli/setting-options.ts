import type { Command } from 'commander';
import { SETTINGS, type SettingInfo } from '../node/config.js';

/** What --help says of a setting's default: its value, or that it is unset. */
export function defaultText(s: SettingInfo): string {
  return s.default === '' ? 'unset' : s.default;
}

/**
 * The node's settings as flags, each with its default and its environment name in the help. No commander
 * default: a flag that was not given must stay undefined, or it would hide the file and environment layers below it.
 */
export function addSettingOptions(cmd: Command): Command {
  cmd.option('--config <file>', 'a .env file with settings (below the environment and flags in precedence)');
  for (const s of SETTINGS) {
    if (s.flag) cmd.option(`${s.flag} ${s.arg}`, `${s.description} (default: ${defaultText(s)}; env ${s.name})`);
  }
  return cmd;
}
