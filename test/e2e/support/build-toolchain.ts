/**
 * `npm run e2e:toolchain [component...]`: builds the end-to-end suite's binaries into the cache
 * (every component but those built on request, unless some are named) and prints the folder to put on PATH.
 */
import { COMPONENTS, type Component, DEFAULT_COMPONENTS, ensureToolchain, formatDuration, ToolchainError } from './toolchain.js';

async function main(args: readonly string[]): Promise<number> {
  const unknown = args.filter((arg) => !(COMPONENTS as readonly string[]).includes(arg));
  if (unknown.length > 0) {
    console.error(`error: unknown component ${unknown.join(', ')}: expected any of ${COMPONENTS.join(', ')}`);
    return 2;
  }
  const started = Date.now();
  const log = (line: string) => console.error(`[${formatDuration(Date.now() - started)}] ${line}`);
  try {
    const toolchain = await ensureToolchain({ components: args.length > 0 ? (args as Component[]) : DEFAULT_COMPONENTS, log });
    log(`toolchain ready`);
    console.log(toolchain.binDir);
    return 0;
  } catch (error) {
    if (!(error instanceof ToolchainError)) throw error;
    console.error(`error: ${error.message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
