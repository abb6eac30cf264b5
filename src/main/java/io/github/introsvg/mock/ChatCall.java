package io.github.introsvg.mock;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * A validated {@code POST /v1/chat/completions} body, checked the way lmdeploy v0.16 checks it.
 *
 * @param text the text of the last user message (its text parts joined)
 * @param image the last image of the last user message, decoded
 * @param promptChars characters of text across all messages, for the token estimate
 * @param imageCount images across all messages
 */
record ChatCall(
    String model,
    String text,
    Optional<BufferedImage> image,
    int promptChars,
    int imageCount,
    OptionalInt maxTokens,
    OptionalLong seed,
    boolean stream,
    boolean includeUsage) {

  /** Images larger than this many pixels are refused before decoding (a PNG header can claim anything). */
  private static final long MAX_IMAGE_PIXELS = 4096L * 4096L;

  /**
   * Parses and validates {@code body}.
   *
   * @throws RejectedRequest with 400 for a malformed request, 404 for a model other than {@code servedModel}
   */
  static ChatCall parse(ObjectMapper json, String body, String servedModel) {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JacksonException e) {
      throw bad("Request body is not valid JSON.");
    }
    if (root == null || !root.isObject()) {
      throw bad("Request body must be a JSON object.");
    }
    JsonNode model = root.get("model");
    if (model == null || !model.isTextual()) {
      throw bad("Field 'model' is required and must be a string.");
    }
    if (!model.asText().equals(servedModel)) {
      throw new RejectedRequest(404, "The model '" + model.asText() + "' does not exist.");
    }
    checkRange(root, "temperature", 0.0, true, 2.0, true);
    checkRange(root, "top_p", 0.0, false, 1.0, true);
    OptionalInt maxTokens = optionalInt(root, "max_tokens");
    if (maxTokens.isPresent() && maxTokens.getAsInt() < 1) {
      throw bad("The max_tokens '" + maxTokens.getAsInt() + "' must be a positive integer.");
    }
    OptionalInt topK = optionalInt(root, "top_k");
    if (topK.isPresent() && topK.getAsInt() < 0) {
      throw bad("The top_k '" + topK.getAsInt() + "' cannot be a negative integer.");
    }
    OptionalLong seed = OptionalLong.empty();
    JsonNode seedNode = present(root, "seed");
    if (seedNode != null) {
      if (!seedNode.isIntegralNumber() || !seedNode.canConvertToLong()) {
        throw bad("Field 'seed' must be an integer.");
      }
      seed = OptionalLong.of(seedNode.asLong());
    }
    boolean stream = optionalBoolean(root, "stream");
    boolean includeUsage = false;
    JsonNode streamOptions = present(root, "stream_options");
    if (streamOptions != null) {
      if (!streamOptions.isObject()) {
        throw bad("Field 'stream_options' must be an object.");
      }
      includeUsage = optionalBoolean(streamOptions, "include_usage");
    }

    JsonNode messages = root.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw bad("Field 'messages' is required and must be a non-empty list.");
    }
    int promptChars = 0;
    int imageCount = 0;
    String lastUserText = "";
    BufferedImage lastUserImage = null;
    for (JsonNode message : messages) {
      if (!message.isObject() || !message.path("role").isTextual()) {
        throw bad("Each message must be an object with a string 'role'.");
      }
      JsonNode content = message.get("content");
      StringBuilder text = new StringBuilder();
      BufferedImage image = null;
      if (content != null && content.isTextual()) {
        text.append(content.asText());
      } else if (content != null && content.isArray()) {
        for (JsonNode part : content) {
          String type = part.path("type").asText("");
          if (type.equals("text") && part.path("text").isTextual()) {
            text.append(part.get("text").asText());
          } else if (type.equals("image_url") && part.path("image_url").path("url").isTextual()) {
            image = decodeImage(part.get("image_url").get("url").asText());
            imageCount++;
          } else {
            throw bad("Each content part must be {\"type\":\"text\",\"text\":...} or"
                + " {\"type\":\"image_url\",\"image_url\":{\"url\":...}}.");
          }
        }
      } else {
        throw bad("Message content must be a string or a list of content parts.");
      }
      promptChars += text.length();
      if (message.get("role").asText().equals("user")) {
        lastUserText = text.toString();
        lastUserImage = image;
      }
    }
    return new ChatCall(model.asText(), lastUserText, Optional.ofNullable(lastUserImage), promptChars,
        imageCount, maxTokens, seed, stream, includeUsage);
  }

  /** Decodes a {@code data:image/png|jpeg;base64,} URL, refusing anything else as lmdeploy's PIL would. */
  static BufferedImage decodeImage(String url) {
    String payload;
    if (url.startsWith("data:image/png;base64,")) {
      payload = url.substring("data:image/png;base64,".length());
    } else if (url.startsWith("data:image/jpeg;base64,")) {
      payload = url.substring("data:image/jpeg;base64,".length());
    } else {
      throw bad("Unsupported image URL: only data:image/png;base64 and data:image/jpeg;base64 are accepted.");
    }
    byte[] bytes;
    try {
      bytes = Base64.getMimeDecoder().decode(payload);
    } catch (IllegalArgumentException e) {
      throw bad("Image data is not valid base64.");
    }
    // A memory-cached stream: ImageIO's default would spill to a temp file.
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw bad("Image data can't be decoded.");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
        if (pixels <= 0 || pixels > MAX_IMAGE_PIXELS) {
          throw bad("Image is too large: " + reader.getWidth(0) + "x" + reader.getHeight(0) + ".");
        }
        return reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof RejectedRequest rejected) {
        throw rejected;
      }
      throw bad("Image data can't be decoded.");
    }
  }

  private static void checkRange(JsonNode root, String field, double low, boolean lowInclusive, double high,
      boolean highInclusive) {
    JsonNode node = present(root, field);
    if (node == null) {
      return;
    }
    if (!node.isNumber()) {
      throw bad("Field '" + field + "' must be a number.");
    }
    double v = node.asDouble();
    boolean ok = (lowInclusive ? v >= low : v > low) && (highInclusive ? v <= high : v < high);
    if (!ok) {
      throw bad("The " + field + " '" + node.asText() + "' must be in " + (lowInclusive ? "[" : "(") + low + ", "
          + high + (highInclusive ? "]" : ")") + ".");
    }
  }

  private static OptionalInt optionalInt(JsonNode root, String field) {
    JsonNode node = present(root, field);
    if (node == null) {
      return OptionalInt.empty();
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt()) {
      throw bad("Field '" + field + "' must be an integer.");
    }
    return OptionalInt.of(node.asInt());
  }

  private static boolean optionalBoolean(JsonNode root, String field) {
    JsonNode node = present(root, field);
    if (node == null) {
      return false;
    }
    if (!node.isBoolean()) {
      throw bad("Field '" + field + "' must be a boolean.");
    }
    return node.asBoolean();
  }

  /** The field's value, or null when absent or JSON null (clients send null for "unset"). */
  private static JsonNode present(JsonNode root, String field) {
    JsonNode node = root.get(field);
    return node == null || node.isNull() ? null : node;
  }

  private static RejectedRequest bad(String message) {
    return new RejectedRequest(400, message);
  }
}
