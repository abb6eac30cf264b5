package io.github.introsvg.internal.lmdeploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.introsvg.internal.Durations;
import io.github.introsvg.lmdeploy.LmdeployException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns what went wrong (an HTTP status and body, an error object inside a 200 reply or a stream, an
 * IOException) into the one {@link LmdeployException} subclass that says what to do about it. Every message
 * names the server, the HTTP status and the server's own words, and never contains the API key.
 */
final class Failures {

  static final int EXCERPT_CHARS = 300;
  private static final int MESSAGE_CHARS = 300;

  private final String baseUrl;
  private final String apiKey; // only to redact it should a server echo it; null when none
  private final Duration idleTimeout;
  private final Duration callTimeout;
  private final Function<String, Optional<List<String>>> servedModels;

  /** @param servedModels best-effort lookup of the served models for a 404's message; empty when unknown */
  Failures(String baseUrl, String apiKey, Duration idleTimeout, Duration callTimeout,
      Function<String, Optional<List<String>>> servedModels) {
    this.baseUrl = baseUrl;
    this.apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey;
    this.idleTimeout = idleTimeout;
    this.callTimeout = callTimeout;
    this.servedModels = servedModels;
  }

  /** A non-2xx reply. {@code model} is the requested model for chat calls, null for other routes. */
  LmdeployException forStatus(int status, byte[] body, String model) {
    return forStatus(status, body, model, null);
  }

  /** A non-2xx reply with its {@code Retry-After} header (null when absent), kept on a {@code ServerError}. */
  LmdeployException forStatus(int status, byte[] body, String model, String retryAfterHeader) {
    String serverMessage = serverMessage(body);
    LmdeployException e = map(status, status, "HTTP " + status + ": " + serverMessage, serverMessage, excerpt(body), model);
    Duration retryAfter = parseRetryAfter(retryAfterHeader, Instant.now());
    if (retryAfter == null || !(e instanceof LmdeployException.ServerError)) return e;
    return new LmdeployException.ServerError(e.getMessage(), e.statusCode(), e.bodyExcerpt(), retryAfter);
  }

  /**
   * A {@code Retry-After} value: delay-seconds or an HTTP date (a date in the past is zero); null when absent or
   * unparseable.
   */
  static Duration parseRetryAfter(String header, Instant now) {
    if (header == null || header.isBlank()) return null;
    String value = header.strip();
    if (value.chars().allMatch(Character::isDigit)) {
      try {
        return Duration.ofSeconds(Long.parseLong(value));
      } catch (NumberFormatException e) { // more digits than a long: no sensible wait
        return null;
      }
    }
    try {
      Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * An error object inside a reply with HTTP 200 (lmdeploy's proxy relays backend errors that way) or inside a
   * stream; null when {@code root} is not an error.
   */
  LmdeployException forErrorObject(JsonNode root, byte[] body, String model, boolean midStream) {
    ReportedError reported = ReportedError.of(root);
    if (reported == null) return null;
    // A client error the backend reported keeps its meaning; anything else (proxy timeout 10402, engine
    // failure, unknown code) is the server's trouble and worth retrying.
    int effective = switch (reported.code()) {
      case 400, 401, 404, 422 -> reported.code();
      default -> 500;
    };
    String where = midStream ? "mid-stream error" : "HTTP 200 with error";
    String codeText = reported.code() == 0 ? "" : " code " + reported.code();
    String statusText = where + codeText + ": " + reported.message();
    return map(effective, 200, statusText, reported.message(), excerpt(body), model);
  }

  private LmdeployException map(int effective, int httpStatus, String statusText, String serverMessage,
      String excerpt, String model) {
    String at = "lmdeploy at " + baseUrl;
    if (effective == 400 || effective == 422) {
      if (isContextTooLong(serverMessage)) {
        return new LmdeployException.ContextTooLong(
            redact("The prompt does not fit the model's context on " + at + " (" + statusText + ")"), httpStatus, excerpt);
      }
      return new LmdeployException.BadRequest(redact(at + " rejected the request (" + statusText + ")"), httpStatus, excerpt);
    }
    if (effective == 401) {
      String what = apiKey == null ? " requires an API key, and none is set (" : " refused the API key (";
      return new LmdeployException.Unauthorized(redact(at + what + statusText + ")"), httpStatus, excerpt);
    }
    if (effective == 404 && model != null) {
      String served = servedModels.apply(model).map(m -> m.isEmpty() ? "; it serves no model" : "; it serves " + m).orElse("");
      return new LmdeployException.UnknownModel(
          redact(at + " does not serve model \"" + model + "\"" + served + " (" + statusText + ")"), httpStatus, excerpt);
    }
    if (effective == 404) {
      return new LmdeployException.UnknownModel(redact(at + " has no such route (" + statusText + ")"), httpStatus, excerpt);
    }
    if (effective == 408 || effective == 409 || effective == 429 || effective >= 500) {
      return new LmdeployException.ServerError(redact(at + " failed (" + statusText + ")"), httpStatus, excerpt);
    }
    if (effective >= 400) {
      return new LmdeployException.BadRequest(redact(at + " rejected the request (" + statusText + ")"), httpStatus, excerpt);
    }
    return new LmdeployException.InvalidResponse(redact(at + " answered an unexpected status (" + statusText + ")"),
        httpStatus, excerpt);
  }

  /**
   * A prompt too long for the model, in lmdeploy v0.16's words ("Input length (N) must be smaller than the model
   * context length (S).") or OpenAI's, which other servers and proxies copy ("This model's maximum context length
   * is N tokens. However, you requested M tokens ...", code "context_length_exceeded").
   */
  static boolean isContextTooLong(String serverMessage) {
    return serverMessage.startsWith("Input length (")
        || serverMessage.contains("must be smaller than the model context length")
        || serverMessage.contains("maximum context length is")
        || serverMessage.contains("context_length_exceeded");
  }

  /** A 200 reply that could not be understood. */
  LmdeployException.InvalidResponse invalid(String what, int status, byte[] body) {
    return new LmdeployException.InvalidResponse(
        redact("lmdeploy at " + baseUrl + " sent " + what + " (HTTP " + status + ")"), status, excerpt(body));
  }

  /** The pre-v0.16 way of saying the prompt was too long: finish_reason "length" with nothing generated. */
  LmdeployException.ContextTooLong emptyLengthReply(byte[] body) {
    return new LmdeployException.ContextTooLong(
        "The prompt does not fit the model's context on lmdeploy at " + baseUrl
            + " (HTTP 200: finish_reason \"length\" with no generated token)", 200, excerpt(body));
  }

  /** A reply the engine ended with finish_reason "error" or "abort": whatever it holds is not an answer. */
  LmdeployException.ServerError engineStopped(String finishReason, byte[] body) {
    return new LmdeployException.ServerError("lmdeploy at " + baseUrl + " ended the reply with finish_reason \""
        + finishReason + "\" (the engine failed or aborted the request)", 200, excerpt(body));
  }

  /**
   * A transport failure; {@code replyStarted} says whether the status line had arrived. An interrupted thread or
   * a cancelled call is the caller's doing and comes back as {@code Interrupted}, never as a server failure.
   */
  LmdeployException io(IOException e, boolean replyStarted, boolean cancelled) {
    boolean callTimeout = e instanceof InterruptedIOException && "timeout".equals(e.getMessage());
    // OkHttp's call timeout cancels the call too: that one is the server's slowness, not the caller's doing.
    if (!callTimeout && (cancelled || Thread.currentThread().isInterrupted()
        || (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)))) {
      return new LmdeployException.Interrupted(e);
    }
    String message;
    if (e instanceof SocketTimeoutException && isConnectTimeout(e)) {
      message = "Couldn't reach lmdeploy at " + baseUrl + " (connect timed out)";
    } else if (e instanceof SocketTimeoutException) {
      // Before a non-streamed reply's first byte the whole generation has to fit in this silence.
      message = "lmdeploy at " + baseUrl + " sent nothing for longer than the idle timeout (" + Durations.exact(idleTimeout) + ")";
    } else if (callTimeout) { // OkHttp's call timeout
      message = "lmdeploy at " + baseUrl + " did not finish within the call timeout (" + Durations.exact(this.callTimeout) + ")";
    } else if (!replyStarted && String.valueOf(e.getMessage()).startsWith("unexpected end of stream")) {
      message = "lmdeploy at " + baseUrl + " closed the connection without answering";
    } else if (replyStarted) {
      message = "Lost the connection to lmdeploy at " + baseUrl + " while reading the reply (" + orClassName(e) + ")";
    } else {
      message = "Couldn't reach lmdeploy at " + baseUrl + " (" + reason(e) + ")";
    }
    return new LmdeployException.Io(redact(message), e);
  }

  /** A stream that stopped before saying it was finished. */
  LmdeployException.Io streamEndedEarly(int chars) {
    return new LmdeployException.Io("lmdeploy at " + baseUrl + " ended the stream early, after " + chars
        + " characters and without finish_reason or [DONE]", null);
  }

  private static String reason(IOException e) {
    if (e instanceof ConnectException) return "connection refused";
    if (e instanceof UnknownHostException) return "unknown host";
    if (e instanceof NoRouteToHostException) return "no route to host";
    return orClassName(e);
  }

  private static boolean isConnectTimeout(IOException e) {
    String m = e.getMessage();
    return m != null && m.toLowerCase(Locale.ROOT).contains("connect");
  }

  private static String orClassName(Throwable e) {
    return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** The first {@value #EXCERPT_CHARS} characters of a body, for the exception's bodyExcerpt. */
  String excerpt(byte[] body) {
    if (body == null) return "";
    String text = new String(body, StandardCharsets.UTF_8);
    return redact(text.length() <= EXCERPT_CHARS ? text : text.substring(0, EXCERPT_CHARS) + "...");
  }

  private String redact(String text) {
    return apiKey == null ? text : text.replace(apiKey, "***");
  }

  /**
   * The server's own words from an error body: lmdeploy's flat {"message"} (v0.16), nested {"error":{"message"}},
   * FastAPI's {"detail"}, the proxy's {"text"}, or else the body as text with any HTML tags removed.
   */
  static String serverMessage(byte[] body) {
    JsonNode root = body == null ? null : ChatBodies.parseOrNull(body);
    if (root != null && root.isObject()) {
      ReportedError reported = ReportedError.of(root);
      if (reported != null) return shorten(reported.message());
      JsonNode detail = root.get("detail");
      if (detail != null) return shorten(detailText(detail));
      JsonNode message = root.get("message");
      if (message != null && message.isTextual()) return shorten(message.asText());
    }
    String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
    text = text.replaceAll("(?is)<(head|script|style)\\b.*?</\\1\\s*>", " ").replaceAll("<[^>]*>", " ");
    text = text.replaceAll("\\s+", " ").strip();
    return text.isEmpty() ? "empty body" : shorten(text);
  }

  /** FastAPI's 422 detail: a list of {"loc": [...], "msg": ...}, or a plain string. */
  private static String detailText(JsonNode detail) {
    if (detail.isTextual()) return detail.asText();
    if (detail.isArray()) {
      List<String> parts = new ArrayList<>();
      for (JsonNode item : detail) {
        JsonNode msg = item.get("msg");
        JsonNode loc = item.get("loc");
        String where = loc != null && loc.isArray() && !loc.isEmpty() ? loc.get(loc.size() - 1).asText() + ": " : "";
        parts.add(msg != null && msg.isTextual() ? where + msg.asText() : item.toString());
      }
      return String.join("; ", parts);
    }
    return detail.toString();
  }

  private static String shorten(String text) {
    return text.length() <= MESSAGE_CHARS ? text : text.substring(0, MESSAGE_CHARS) + "...";
  }

  /** An error the server reported inside a JSON body, in any of the shapes lmdeploy and its proxy use. */
  record ReportedError(String message, int code) {

    /** Null when {@code root} is not an error object. */
    static ReportedError of(JsonNode root) {
      if (root == null || !root.isObject()) return null;
      if (root.has("error_code")) { // lmdeploy proxy: {"error_code":10402,"text":"..."}
        return new ReportedError(text(root.get("text"), "error code " + root.get("error_code").asText()),
            root.get("error_code").asInt(0));
      }
      if ("error".equals(root.path("object").asText(null))) { // lmdeploy v0.16 flat error
        return new ReportedError(text(root.get("message"), "no message"), root.path("code").asInt(0));
      }
      JsonNode error = root.get("error");
      if (error != null && error.isObject() && !root.has("choices")) { // older / OpenAI-style nested error
        return new ReportedError(text(error.get("message"), error.toString()), error.path("code").asInt(0));
      }
      if (error != null && error.isTextual()) {
        return new ReportedError(error.asText(), root.path("code").asInt(0));
      }
      return null;
    }

    private static String text(JsonNode node, String fallback) {
      return node != null && node.isValueNode() && !node.isNull() ? node.asText() : fallback;
    }
  }
}
