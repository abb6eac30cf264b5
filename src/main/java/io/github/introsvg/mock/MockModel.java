package io.github.introsvg.mock;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the mock "model" answers: a pure function of (server seed, request seed, request text, image), so
 * the same request always gets the same reply.
 */
final class MockModel {

  static final String GENERATE_START = "Please generate an SVG icon";
  static final String CRITIQUE_START = "You are a professional SVG design critic";
  static final String REFINE_START = "Please analyze all the information provided below";
  static final String NO_CHANGES = "The overall quality is excellent, no changes are needed.";

  private static final Pattern GENERATE_PROMPT =
      Pattern.compile("meets the following description:\\s?(.*)\\z", Pattern.DOTALL);
  private static final Pattern CRITIQUE_PROMPT =
      Pattern.compile("\\*\\*Original Design Prompt\\*\\*: \"(.*?)\"\\s*\n\\s*\nYour task", Pattern.DOTALL);
  private static final Pattern REFINE_PROMPT =
      Pattern.compile("The original design goal was: \"(.*?)\"; a draft SVG code", Pattern.DOTALL);
  private static final Pattern REFINE_SVG = Pattern.compile("```xml\\s*\n(.*?)\n?```", Pattern.DOTALL);

  private static final String[] SUGGESTIONS = {
    "Increase the contrast between the main shape and the background.",
    "Align the shapes on a common centre line so the icon feels balanced.",
    "Use the colours named in the prompt for the dominant shapes.",
    "Simplify overlapping shapes so the silhouette reads at small sizes.",
    "Add a consistent stroke to every outline.",
    "Enlarge the central motif so it fills more of the canvas.",
    "Round the corners of the rectangles to match the friendly style.",
    "Remove the stray small shapes near the edges."
  };

  private final ObjectMapper json;
  private final long serverSeed;

  MockModel(ObjectMapper json, long serverSeed) {
    this.json = json;
    this.serverSeed = serverSeed;
  }

  /** The assistant's full reply to {@code call}, before any max_tokens cut. */
  String reply(ChatCall call) {
    return reply(call, false);
  }

  /** Which of IntroSVG's prompts a request is, told as {@link #reply} tells it. */
  enum Role { GENERATE, REFINE, CRITIQUE, CHAT }

  /** The role {@link #reply} answers {@code call} in. */
  static Role role(ChatCall call) {
    String text = call.text();
    if (text.startsWith(CRITIQUE_START) && call.image().isPresent()) {
      return Role.CRITIQUE;
    }
    if (text.startsWith(GENERATE_START)) {
      return Role.GENERATE;
    }
    return text.startsWith(REFINE_START) ? Role.REFINE : Role.CHAT;
  }

  /** Whether {@code call} is a critique request (critique prompt and an image). */
  boolean isCritique(ChatCall call) {
    return role(call) == Role.CRITIQUE;
  }

  /**
   * The critique {@link #reply} would give, with its JSON broken off after the "critique" field: no
   * "suggestions" and no closing brace, so no JSON parser (or brace-matching extractor) can read it.
   */
  String malformedCritique(ChatCall call) {
    if (!isCritique(call)) {
      throw new IllegalArgumentException("not a critique request");
    }
    return reply(call, true);
  }

  private String reply(ChatCall call, boolean malformed) {
    String text = call.text();
    // An absent request seed behaves as a fixed one: the mock stays deterministic either way.
    long requestSeed = call.seed().orElse(0L);
    SplittableRandom random = Hashing.random(serverSeed, requestSeed, Hashing.of(text));
    if (isCritique(call)) {
      int revision = MockArt.revisionOf(call.image().get());
      // The prompt text is the same every round: the revision seen in the image varies the wording.
      SplittableRandom perImage = Hashing.random(serverSeed, requestSeed, Hashing.of(text), revision);
      return critique(find(CRITIQUE_PROMPT, text, text), revision, perImage, malformed);
    }
    if (text.startsWith(GENERATE_START)) {
      String description = find(GENERATE_PROMPT, text, text);
      return present(MockArt.icon(description, 0, random), random);
    }
    if (text.startsWith(REFINE_START)) {
      String description = find(REFINE_PROMPT, text, text);
      int revision = MockArt.revisionOf(find(REFINE_SVG, text, "")) + 1;
      return present(MockArt.icon(description, revision, random), random);
    }
    return "This is a mock lmdeploy server. It answers IntroSVG's generate, critique and refine prompts;"
        + " it received: \"" + MockArt.abbreviate(text, 60) + "\"";
  }

  /** Wraps an SVG the way a real model varies its presentation. */
  private static String present(String svg, SplittableRandom random) {
    int style = random.nextInt(10);
    if (style < 5) {
      return svg;
    }
    if (style < 7) {
      return "Here is the SVG icon:\n\n```xml\n" + svg + "\n```\n\nThe icon uses simple shapes in a 200x200 view box.";
    }
    if (style < 9) {
      return "```svg\n" + svg + "\n```\nThis SVG follows the description.";
    }
    return "Sure. The following SVG code draws the requested icon.\n" + svg;
  }

  private String critique(String originPrompt, int revision, SplittableRandom random, boolean malformed) {
    // The base depends on the prompt alone, so the score climbs steadily across one item's revisions.
    double base = 5.5 + 2.0 * Hashing.random(serverSeed, Hashing.of(originPrompt)).nextDouble();
    double noise = (random.nextDouble() - 0.5) * 0.4;
    double score = Math.max(0.0, Math.min(10.0, base + 1.1 * revision + noise));
    score = Math.round(score * 10.0) / 10.0;

    String subject = MockArt.abbreviate(originPrompt, 80);
    String critique = revision == 0
        ? "The draft captures the basic idea of \"" + subject + "\", but its geometry is rough and the"
            + " composition lacks detail and refinement."
        : "Revision " + revision + " of \"" + subject + "\" is clearly better than earlier drafts; the shapes"
            + " are more detailed, though " + (score >= 9.0 ? "only minor polish remains." : "the balance of"
            + " colour and geometry can still improve.");
    String suggestions;
    if (score >= 9.0) {
      suggestions = NO_CHANGES;
    } else {
      List<String> pool = new ArrayList<>(List.of(SUGGESTIONS));
      int count = 2 + random.nextInt(3);
      StringBuilder list = new StringBuilder();
      for (int i = 1; i <= count; i++) {
        if (i > 1) {
          list.append('\n');
        }
        list.append(i).append(". ").append(pool.remove(random.nextInt(pool.size())));
      }
      suggestions = list.toString();
    }
    ObjectNode node = json.createObjectNode();
    node.put("score", score);
    node.put("critique", critique);
    node.put("suggestions", suggestions);
    String body;
    try {
      body = json.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    if (malformed) {
      body = body.substring(0, body.indexOf("\"suggestions\"")).stripTrailing();
    }
    return random.nextBoolean() ? body : "Here is my critique of the draft:\n```json\n" + body + "\n```\nI hope it helps.";
  }

  private static String find(Pattern pattern, String text, String fallback) {
    Matcher m = pattern.matcher(text);
    return m.find() ? m.group(1) : fallback;
  }
}
