package io.github.introsvg.loop;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Per-request seeds derived from (prompt id, turn, attempt), so a rerun asks the server the same questions. */
final class Seeds {

  private Seeds() {}

  /** A non-negative 31-bit seed: lmdeploy passes it to samplers that take a C int. */
  static long of(String promptId, String turnLabel, int attempt) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] d = sha.digest((promptId + '\0' + turnLabel + '\0' + attempt).getBytes(StandardCharsets.UTF_8));
      return ((d[0] & 0x7fL) << 24) | ((d[1] & 0xffL) << 16) | ((d[2] & 0xffL) << 8) | (d[3] & 0xffL);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }
}
