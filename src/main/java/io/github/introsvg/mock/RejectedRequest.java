package io.github.introsvg.mock;

/** Why the mock refuses a request: the status and message of lmdeploy's flat error body. */
final class RejectedRequest extends RuntimeException {

  private final int status;

  RejectedRequest(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  int status() {
    return status;
  }
}
