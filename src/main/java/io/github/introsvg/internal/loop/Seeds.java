package io.github.introsvg.internal.loop;

import io.github.introsvg.internal.Digests;

/** Per-request seeds derived from (prompt id, turn, attempt), so a rerun asks the server the same questions. */
final class Seeds {

  private Seeds() {}

  /** A non-negative 31-bit seed: lmdeploy passes it to samplers that take a C int. */
  static long of(String promptId, String turnLabel, int attempt) {
    byte[] d = Digests.sha256(promptId + '\0' + turnLabel + '\0' + attempt);
    return ((d[0] & 0x7fL) << 24) | ((d[1] & 0xffL) << 16) | ((d[2] & 0xffL) << 8) | (d[3] & 0xffL);
  }
}
