/**
 * A problem in the project's own configuration (an overlay or the platform settings).
 *
 * The message is complete on its own: it names the file, the field and what is expected,
 * so command-line entry points print it without a stack trace.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
