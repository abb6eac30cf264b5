package io.github.introsvg.internal.prompt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.introsvg.internal.Json;
import io.github.introsvg.prompt.Critique;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the critic's JSON out of its reply the way the reference does, but tolerant of what models write. */
public final class CritiqueParser {

  private static final Pattern JSON_FENCE = Pattern.compile("```json\\s*(\\{.*?})\\s*```", Pattern.DOTALL);
  private static final Pattern LEADING_NUMBER = Pattern.compile("^\\s*([-+]?\\d+(?:\\.\\d+)?)");
  // Not Json.MAPPER: the model writes this JSON, with real newlines inside strings (the template itself shows one)
  // and trailing commas; everything else the library reads it wrote itself.
  private static final ObjectMapper LENIENT = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
      .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
      .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();

  private CritiqueParser() {}

  /**
   * Finds a fenced {@code ```json} block first, else the text from the first {@code {} to the last
   * {@code }}; {@code score} may be a number or a numeric string and is clamped to 0..10;
   * {@code suggestions} may be a string or a list of strings.
   *
   * @throws ReplyParseException when no JSON object with a usable score is found
   */
  public static Critique parse(String reply) {
    JsonNode json = readObject(findJson(reply));
    return new Critique(score(json.get("score")), text(json.get("critique")), text(json.get("suggestions")));
  }

  private static String findJson(String reply) {
    Matcher fenced = JSON_FENCE.matcher(reply);
    if (fenced.find()) return fenced.group(1);
    int start = reply.indexOf('{');
    int end = reply.lastIndexOf('}');
    if (start < 0 || end < start) throw new ReplyParseException("critique reply holds no JSON object");
    return reply.substring(start, end + 1);
  }

  private static JsonNode readObject(String json) {
    try {
      JsonNode node = LENIENT.readTree(json);
      if (node == null || !node.isObject()) throw new ReplyParseException("critique JSON is not an object");
      return node;
    } catch (JsonProcessingException e) {
      throw new ReplyParseException("critique JSON does not parse: " + e.getOriginalMessage(), e);
    }
  }

  private static double score(JsonNode node) {
    double value;
    if (node == null || node.isNull()) {
      throw new ReplyParseException("critique JSON has no \"score\"");
    } else if (node.isNumber()) {
      value = node.asDouble();
    } else if (node.isTextual()) {
      Matcher m = LEADING_NUMBER.matcher(node.asText());
      if (!m.find()) throw new ReplyParseException("critique \"score\" is not a number: " + abbreviate(node.asText()));
      value = Double.parseDouble(m.group(1));
    } else {
      throw new ReplyParseException("critique \"score\" is not a number: " + abbreviate(node.toString()));
    }
    if (Double.isNaN(value)) throw new ReplyParseException("critique \"score\" is NaN");
    return Math.max(0, Math.min(10, value));
  }

  private static String text(JsonNode node) {
    if (node == null || node.isNull()) return "";
    if (node.isArray()) {
      List<String> items = new ArrayList<>();
      node.forEach(item -> items.add(item.isTextual() ? item.asText() : item.toString()));
      return String.join("\n", items);
    }
    return node.isTextual() ? node.asText() : node.toString();
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
