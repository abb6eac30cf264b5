package io.github.introsvg.lmdeploy;

import java.time.Duration;
import java.util.Optional;

/**
 * A failed call to lmdeploy. Subclasses say which kind; {@link #statusCode()} is the HTTP status (0 for
 * transport failures) and {@link #bodyExcerpt()} the start of what the server sent.
 */
public class LmdeployException extends RuntimeException {

  private final int statusCode;
  private final String bodyExcerpt;
  private final Duration retryAfter; // null when the server did not say

  public LmdeployException(String message, int statusCode, String bodyExcerpt, Throwable cause) {
    this(message, statusCode, bodyExcerpt, cause, null);
  }

  /** @param retryAfter the server's {@code Retry-After}, or null when it sent none */
  public LmdeployException(String message, int statusCode, String bodyExcerpt, Throwable cause, Duration retryAfter) {
    super(message, cause);
    this.statusCode = statusCode;
    this.bodyExcerpt = bodyExcerpt == null ? "" : bodyExcerpt;
    if (retryAfter != null && retryAfter.isNegative()) throw new IllegalArgumentException("retryAfter < 0: " + retryAfter);
    this.retryAfter = retryAfter;
  }

  public int statusCode() {
    return statusCode;
  }

  public String bodyExcerpt() {
    return bodyExcerpt;
  }

  /** How long the server asked to wait before trying again ({@code Retry-After}); empty when it did not say. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** 400/422: the request is invalid; retrying it unchanged can't help. */
  public static final class BadRequest extends LmdeployException {
    public BadRequest(String message, int statusCode, String bodyExcerpt) {
      super(message, statusCode, bodyExcerpt, null);
    }
  }

  /** The prompt does not fit the server's session length ("Input length (N) must be smaller than ..."). */
  public static final class ContextTooLong extends LmdeployException {
    public ContextTooLong(String message, int statusCode, String bodyExcerpt) {
      super(message, statusCode, bodyExcerpt, null);
    }
  }

  /** 401: missing or wrong API key. */
  public static final class Unauthorized extends LmdeployException {
    public Unauthorized(String message, int statusCode, String bodyExcerpt) {
      super(message, statusCode, bodyExcerpt, null);
    }
  }

  /** 404: the server does not serve the requested model name. */
  public static final class UnknownModel extends LmdeployException {
    public UnknownModel(String message, int statusCode, String bodyExcerpt) {
      super(message, statusCode, bodyExcerpt, null);
    }
  }

  /** 5xx, 409, 408, 429, a proxy's error with HTTP 200, or an error inside a stream: worth retrying. */
  public static final class ServerError extends LmdeployException {
    public ServerError(String message, int statusCode, String bodyExcerpt) {
      super(message, statusCode, bodyExcerpt, null);
    }

    /** @param retryAfter the server's {@code Retry-After}, or null when it sent none */
    public ServerError(String message, int statusCode, String bodyExcerpt, Duration retryAfter) {
      super(message, statusCode, bodyExcerpt, null, retryAfter);
    }
  }

  /** The reply could not be understood (not JSON, missing fields, wrong types). */
  public static final class InvalidResponse extends LmdeployException {
    public InvalidResponse(String message, int statusCode, String bodyExcerpt) {
      super(message, statusCode, bodyExcerpt, null);
    }
  }

  /**
   * Calls kept failing (or the server stayed down) for longer than the client's maximum outage: every further
   * call would fail the same way, so a run stops rather than failing its remaining prompts.
   */
  public static final class ServerUnavailable extends LmdeployException {
    public ServerUnavailable(String message, Throwable cause) {
      super(message, 0, "", cause);
    }
  }

  /**
   * The calling thread was interrupted (or its call cancelled) while it called or waited for the server: the
   * caller's doing, so it is never retried and never counts against the server. The interrupt flag stays set.
   */
  public static final class Interrupted extends LmdeployException {
    public Interrupted(Throwable cause) {
      super("interrupted", 0, "", cause);
    }
  }

  /** The server could not be reached, or the connection failed or timed out. */
  public static final class Io extends LmdeployException {
    public Io(String message, Throwable cause) {
      super(message, 0, "", cause);
    }
  }
}
