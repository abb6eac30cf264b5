package io.github.introsvg.internal.lmdeploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.introsvg.internal.Json;
import io.github.introsvg.lmdeploy.Sampling;
import java.io.IOException;

/** The JSON that goes to lmdeploy: built as an ordered tree so field order and text bytes are exactly known. */
final class ChatBodies {

  static final ObjectMapper MAPPER = Json.MAPPER;

  private ChatBodies() {}

  /** The body of {@code POST /v1/chat/completions}, UTF-8. */
  static byte[] chatCompletion(ChatRequest request, boolean stream) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("model", request.model());
    ObjectNode message = root.putArray("messages").addObject();
    message.put("role", "user");
    if (request.pngBase64().isEmpty()) {
      message.put("content", request.text());
    } else {
      // Text first, then the image: the order the reference (and the model's training) used.
      ArrayNode content = message.putArray("content");
      content.addObject().put("type", "text").put("text", request.text());
      ObjectNode image = content.addObject().put("type", "image_url");
      image.putObject("image_url").put("url", "data:image/png;base64," + request.pngBase64().get());
    }
    Sampling s = request.sampling();
    root.put("max_tokens", s.maxTokens());
    root.put("temperature", s.temperature());
    root.put("top_p", s.topP());
    root.put("top_k", s.topK());
    root.put("repetition_penalty", s.repetitionPenalty());
    root.put("seed", request.seed());
    root.put("stream", stream);
    if (stream) {
      root.putObject("stream_options").put("include_usage", true);
    }
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("can't serialize a JSON tree", e); // can't happen for a plain tree
    }
  }

  /** Parses JSON, or returns null when the bytes are not one JSON value. */
  static JsonNode parseOrNull(byte[] json) {
    try {
      JsonNode node = MAPPER.readTree(json);
      return node == null || node.isMissingNode() ? null : node;
    } catch (IOException e) {
      return null;
    }
  }
}
