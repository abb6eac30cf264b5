package io.github.introsvg.mock;

/** A failure the mock injects instead of its normal answer; a closed set that later issues extend. */
public sealed interface Fault permits Fault.HttpError {

  /** Answers with {@code status} and lmdeploy's flat error body. */
  static Fault httpError(int status) {
    return new HttpError(status);
  }

  /** An HTTP error response with lmdeploy's flat error body; {@code status} is 400..599. */
  record HttpError(int status) implements Fault {
    public HttpError {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("status must be 400..599: " + status);
      }
    }
  }
}
