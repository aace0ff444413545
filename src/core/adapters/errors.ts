/**
 * A model that cannot be used: missing file, not ONNX, unknown signature, bad manifest.
 * The message is one line meant for the user (the CLI prints it as is).
 */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
