package io.github.introsvg.internal.lmdeploy;

import java.time.Duration;
import java.util.Objects;

/**
 * What the server answered.
 *
 * @param finishReason as the server sent it ("stop", "length", ...); an open string, unknown values are kept
 * @param latency wall time from sending the request to the last byte of the reply
 */
public record ChatReply(String content, String finishReason, Usage usage, Duration latency) {

  public ChatReply {
    Objects.requireNonNull(content, "content == null");
    Objects.requireNonNull(finishReason, "finishReason == null");
    Objects.requireNonNull(usage, "usage == null");
    Objects.requireNonNull(latency, "latency == null");
  }

  /** A reply cut at max_tokens: its SVG is incomplete and must never be kept. */
  public boolean truncated() {
    return "length".equals(finishReason);
  }

  /** Token counts as the server reported them (zero when it sent none). */
  public record Usage(int promptTokens, int completionTokens) {
    public static final Usage NONE = new Usage(0, 0);
  }
}
