package io.github.introsvg.mock;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A failure the mock injects into a chat completion instead of its normal answer; a closed set.
 *
 * <p>{@link #kind()} names each fault as {@link FaultPlan#parse} spells it, so tests and logs can count them.
 */
public sealed interface Fault {

  /** How long a bare {@code stall} in {@link FaultPlan#parse} waits: longer than a sane client read timeout. */
  Duration DEFAULT_STALL = Duration.ofSeconds(30);

  /** The spec word of this fault: {@code "500"}, {@code "reset"}, {@code "stall"}, {@code "proxy"}, ... */
  String kind();

  /** Answers with {@code status} and lmdeploy's flat error body. */
  static Fault httpError(int status) {
    return new HttpError(status);
  }

  /** Closes the connection without sending a byte of response. */
  static Fault connectionReset() {
    return new ConnectionReset();
  }

  /** Sends nothing for {@code silence}, then closes the connection without a response. */
  static Fault stall(Duration silence) {
    return new Stall(silence);
  }

  /** A normal 200 reply whose content is cut at about 40% with {@code finish_reason: "length"}. */
  static Fault truncated() {
    return new Truncated();
  }

  /** A critique reply whose JSON does not parse; requests of other roles are answered normally. */
  static Fault malformedCritique() {
    return new MalformedCritique();
  }

  /** HTTP 200 with the lmdeploy proxy's timeout body {@code {"error_code":10402,"text":"Request timed out"}}. */
  static Fault proxyError() {
    return new ProxyError();
  }

  /** Streaming: some content chunks, then an SSE error event and the end of the stream; non-streaming: a 500. */
  static Fault midStreamError() {
    return new MidStreamError();
  }

  /**
   * The faults a retrying client can absorb without the model's answers changing: 500, 503, reset, a stall of
   * {@code stall}, proxy and midstream. (A retry gets the same answer because answers depend on the request only.)
   */
  static List<Fault> transportOnly(Duration stall) {
    return List.of(httpError(500), httpError(503), connectionReset(), stall(stall), proxyError(), midStreamError());
  }

  /** {@link #transportOnly(Duration)} with a stall of {@link #DEFAULT_STALL}. */
  static List<Fault> transportOnly() {
    return transportOnly(DEFAULT_STALL);
  }

  /** An HTTP error response with lmdeploy's flat error body; {@code status} is 400..599. */
  record HttpError(int status) implements Fault {
    public HttpError {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("status must be 400..599: " + status);
      }
    }

    @Override
    public String kind() {
      return Integer.toString(status);
    }
  }

  /** The connection is closed before any response byte (the client sees an I/O error, not a status). */
  record ConnectionReset() implements Fault {
    @Override
    public String kind() {
      return "reset";
    }
  }

  /** No response for {@code silence}, then the connection is closed, as a proxy that gave up would. */
  record Stall(Duration silence) implements Fault {
    public Stall {
      Objects.requireNonNull(silence, "silence == null");
      if (silence.isNegative()) {
        throw new IllegalArgumentException("silence is negative: " + silence);
      }
    }

    @Override
    public String kind() {
      return "stall";
    }
  }

  /** A reply cut at about 40% of its content with {@code finish_reason: "length"}. */
  record Truncated() implements Fault {
    @Override
    public String kind() {
      return "truncated";
    }
  }

  /** A critique whose JSON lacks its last field and closing brace; only critique requests are affected. */
  record MalformedCritique() implements Fault {
    @Override
    public String kind() {
      return "malformed";
    }
  }

  /** The lmdeploy proxy's timeout: status 200, body {@code {"error_code":10402,"text":"Request timed out"}}. */
  record ProxyError() implements Fault {
    @Override
    public String kind() {
      return "proxy";
    }
  }

  /** An engine error after part of a stream; a plain 500 for a non-streaming request. */
  record MidStreamError() implements Fault {
    @Override
    public String kind() {
      return "midstream";
    }
  }
}
