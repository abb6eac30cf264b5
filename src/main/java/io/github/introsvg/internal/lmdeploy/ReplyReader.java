package io.github.introsvg.internal.lmdeploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.introsvg.lmdeploy.LmdeployException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import okio.Source;

/** Reads lmdeploy's replies (a whole JSON body or an SSE stream) into content, finish_reason and usage. */
final class ReplyReader {

  /** Nothing lmdeploy legitimately sends comes near this; a bigger body is a broken server or proxy. */
  static final long MAX_BODY_BYTES = 8L * 1024 * 1024;
  /** What is kept of an error body: enough for any message, bounded for a runaway one. */
  static final long MAX_ERROR_BODY_BYTES = 64 * 1024;

  /** What a reply said, before latency is known. */
  record Reply(String content, String finishReason, ChatReply.Usage usage) {}

  /** Thrown by {@link #capped} when a body exceeds {@link #MAX_BODY_BYTES}. */
  static final class BodyTooLarge extends IOException {
    BodyTooLarge() {
      super("body larger than " + MAX_BODY_BYTES + " bytes");
    }
  }

  private final Failures failures;

  ReplyReader(Failures failures) {
    this.failures = failures;
  }

  /** A source that fails with {@link BodyTooLarge} once more than {@link #MAX_BODY_BYTES} have been read. */
  static BufferedSource capped(Source source) {
    return Okio.buffer(new ForwardingSource(source) {
      private long total;

      @Override
      public long read(Buffer sink, long byteCount) throws IOException {
        long n = super.read(sink, byteCount);
        if (n > 0 && (total += n) > MAX_BODY_BYTES) throw new BodyTooLarge();
        return n;
      }
    });
  }

  /** Up to {@link #MAX_ERROR_BODY_BYTES} of an error body; whatever arrived if reading it fails. */
  static byte[] readErrorBody(BufferedSource source) {
    try {
      source.request(MAX_ERROR_BODY_BYTES);
    } catch (IOException e) {
      // keep what arrived: the status alone already says what happened
    }
    Buffer buffer = source.getBuffer();
    try {
      return buffer.readByteArray(Math.min(buffer.size(), MAX_ERROR_BODY_BYTES));
    } catch (IOException e) {
      throw new AssertionError("reading buffered bytes can't fail", e);
    }
  }

  /** A whole {@code chat.completion} body. */
  Reply completion(byte[] body, String model) {
    JsonNode root = ChatBodies.parseOrNull(body);
    if (root == null || !root.isObject()) throw failures.invalid("a reply that is not a JSON object", 200, body);
    LmdeployException error = failures.forErrorObject(root, body, model, false);
    if (error != null) throw error;
    JsonNode choices = root.get("choices");
    if (choices == null || !choices.isArray() || choices.isEmpty() || !choices.get(0).isObject()) {
      throw failures.invalid("a reply without choices", 200, body);
    }
    JsonNode choice = choices.get(0);
    JsonNode message = choice.get("message");
    if (message != null && !message.isNull() && !message.isObject()) {
      throw failures.invalid("a reply whose message is not an object", 200, body);
    }
    String content = text(message == null ? null : message.get("content"), "content", body);
    String finishReason = text(choice.get("finish_reason"), "finish_reason", body);
    return checked(new Reply(content == null ? "" : content, finishReason == null ? "unknown" : finishReason,
        usage(root.get("usage"), body)), body);
  }

  /**
   * An SSE stream of {@code chat.completion.chunk}s up to {@code data: [DONE]}. A body that is not SSE at all
   * (a proxy's JSON error, a server that ignored "stream") is read as a whole reply instead.
   */
  Reply stream(BufferedSource source, String model) throws IOException {
    Accumulator acc = new Accumulator(model);
    StringBuilder data = null;
    boolean sse = false;
    String line;
    while ((line = source.readUtf8Line()) != null) {
      if (!sse) {
        if (line.isBlank()) continue;
        if (!isSseField(line)) {
          byte[] rest = source.readByteArray();
          byte[] first = (line + "\n").getBytes(StandardCharsets.UTF_8);
          byte[] whole = new byte[first.length + rest.length];
          System.arraycopy(first, 0, whole, 0, first.length);
          System.arraycopy(rest, 0, whole, first.length, rest.length);
          return completion(whole, model);
        }
        sse = true;
      }
      if (line.isEmpty()) { // end of one event
        if (data != null && acc.accept(data.toString())) return acc.reply();
        data = null;
      } else if (line.startsWith("data:")) {
        String value = line.substring(line.startsWith("data: ") ? 6 : 5);
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      }
      // ":" comments (keep-alives), event:, id:, retry: carry nothing lmdeploy uses
    }
    if (data != null && acc.accept(data.toString())) return acc.reply();
    if (acc.finishReason != null) return acc.reply(); // everything but the usage chunk and [DONE] arrived
    throw failures.streamEndedEarly(acc.content.length());
  }

  /** {@code GET /v1/models}: {@code data[].id}, de-duplicated in order (the proxy lists a model once per node). */
  List<String> models(byte[] body) {
    JsonNode root = ChatBodies.parseOrNull(body);
    JsonNode data = root == null ? null : root.get("data");
    if (data == null || !data.isArray()) throw failures.invalid("a model list without data[]", 200, body);
    Set<String> ids = new LinkedHashSet<>();
    for (JsonNode model : data) {
      JsonNode id = model.get("id");
      if (id == null || !id.isTextual()) throw failures.invalid("a model without an id", 200, body);
      ids.add(id.asText());
    }
    return List.copyOf(ids);
  }

  private static boolean isSseField(String line) {
    return line.startsWith("data:") || line.startsWith(":") || line.startsWith("event:") || line.startsWith("id:")
        || line.startsWith("retry:");
  }

  /**
   * Before v0.16 an over-long prompt came back as 200, "length", nothing generated. "error" and "abort" mean
   * the engine gave up on the request: a retryable failure, never a model answer to use or journal.
   */
  private Reply checked(Reply reply, byte[] body) {
    if (reply.finishReason().equals("length") && reply.content().isEmpty() && reply.usage().completionTokens() == 0) {
      throw failures.emptyLengthReply(body);
    }
    if (reply.finishReason().equals("error") || reply.finishReason().equals("abort")) {
      throw failures.engineStopped(reply.finishReason(), body);
    }
    return reply;
  }

  /** A string field: its text, null when null or missing, InvalidResponse when another type. */
  private String text(JsonNode node, String field, byte[] body) {
    if (node == null || node.isNull()) return null;
    if (!node.isTextual()) throw failures.invalid("a reply whose " + field + " is not a string", 200, body);
    return node.asText();
  }

  private ChatReply.Usage usage(JsonNode usage, byte[] body) {
    if (usage == null || usage.isNull()) return ChatReply.Usage.NONE;
    if (!usage.isObject()) throw failures.invalid("a reply whose usage is not an object", 200, body);
    return new ChatReply.Usage(count(usage.get("prompt_tokens"), body), count(usage.get("completion_tokens"), body));
  }

  private int count(JsonNode node, byte[] body) {
    if (node == null || node.isNull()) return 0;
    if (!node.canConvertToInt() || !node.isIntegralNumber()) throw failures.invalid("a token count that is not an integer", 200, body);
    return node.asInt();
  }

  /** Collects a stream's chunks. */
  private final class Accumulator {
    final String model;
    final StringBuilder content = new StringBuilder();
    String finishReason;
    ChatReply.Usage usage = ChatReply.Usage.NONE;

    Accumulator(String model) {
      this.model = model;
    }

    /** Takes one event's data; true at [DONE]. */
    boolean accept(String data) {
      if (data.strip().equals("[DONE]")) return true;
      byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
      JsonNode chunk = ChatBodies.parseOrNull(bytes);
      if (chunk == null || !chunk.isObject()) throw failures.invalid("a stream chunk that is not a JSON object", 200, bytes);
      LmdeployException error = failures.forErrorObject(chunk, bytes, model, true);
      if (error != null) throw error;
      JsonNode choices = chunk.get("choices");
      if (choices != null && !choices.isNull()) {
        if (!choices.isArray()) throw failures.invalid("a stream chunk whose choices is not a list", 200, bytes);
        if (!choices.isEmpty()) {
          JsonNode choice = choices.get(0);
          JsonNode delta = choice.get("delta");
          if (delta != null && !delta.isNull()) {
            if (!delta.isObject()) throw failures.invalid("a stream chunk whose delta is not an object", 200, bytes);
            String piece = text(delta.get("content"), "delta.content", bytes);
            if (piece != null) content.append(piece);
          }
          String reason = text(choice.get("finish_reason"), "finish_reason", bytes);
          if (reason != null) finishReason = reason;
        }
      }
      JsonNode usageNode = chunk.get("usage");
      if (usageNode != null && !usageNode.isNull()) usage = usage(usageNode, bytes);
      return false;
    }

    Reply reply() {
      return checked(new Reply(content.toString(), finishReason == null ? "unknown" : finishReason, usage), new byte[0]);
    }
  }
}
