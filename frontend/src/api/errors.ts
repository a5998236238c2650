// ApiError: an answer that is not a success, read from the contract's error
// shape {"error":{"code","message"}}. `status` 0 means the request never got
// an answer (network down, CORS refused, aborted).

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, retryAfter: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

const FALLBACK: Record<number, string> = {
  0: 'The server cannot be reached. Check your connection and try again.',
  401: 'Your session has ended. Please sign in again.',
  413: 'That is too large.',
  429: 'Too many attempts. Please wait a moment and try again.',
  503: 'The service is temporarily unavailable. Please try again shortly.',
};

/** Builds an ApiError from a non-2xx response, whatever its body holds. */
export async function errorFrom(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status;
  let message = FALLBACK[res.status] ?? `The server answered ${res.status}.`;
  try {
    const body: unknown = await res.json();
    const err = (body as { error?: { code?: unknown; message?: unknown } }).error;
    if (err && typeof err.code === 'string') code = err.code;
    if (err && typeof err.message === 'string' && err.message) message = err.message;
  } catch {
    // not JSON (a proxy's HTML page): keep the fallback
  }
  const ra = Number(res.headers.get('Retry-After'));
  return new ApiError(res.status, code, message, Number.isFinite(ra) && ra > 0 ? ra : null);
}

export function networkError(cause: unknown): ApiError {
  if (cause instanceof DOMException && cause.name === 'AbortError') {
    return new ApiError(0, 'aborted', 'The request was cancelled.');
  }
  return new ApiError(0, 'network_error', FALLBACK[0]!);
}

/** The message to show a person for a failed call. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error && e.message) return e.message;
  return 'Something went wrong. Please try again.';
}
