package io.github.introsvg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.introsvg.internal.prompt.SvgExtractor;
import io.github.introsvg.loop.Candidate;
import io.github.introsvg.loop.LoopSettings;
import io.github.introsvg.loop.Policy;
import io.github.introsvg.loop.PromptResult;
import io.github.introsvg.mock.MockLmdeployServer;
import io.github.introsvg.mock.RecordedRequest;
import io.github.introsvg.prompt.Critique;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The whole pipeline over real HTTP against the mock, checked the way an independent server would see it. */
@Timeout(60)
class IntroSvgTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DESC = "a red apple with a \"shiny\" leaf, {critique}";

  @Test
  void referencePolicySendsTheReferencesEightRequestsByteForByte() throws Exception {
    try (MockLmdeployServer mock = MockLmdeployServer.builder().seed(7).start();
        IntroSvg introSvg = IntroSvg.builder().renderInProcess().server(mock.baseUrl()).policy(Policy.REFERENCE).build()) {

      PromptResult result = introSvg.generate("id-1", DESC);

      List<JsonNode> chats = mock.requests().stream()
          .filter(r -> r.path().equals("/v1/chat/completions")).map(IntroSvgTest::body).toList();
      assertThat(mock.requests().get(0).path()).isEqualTo("/v1/models");
      assertThat(chats).hasSize(8);
      assertThat(result.status()).isEqualTo(PromptResult.Status.OK);
      assertThat(result.keptIndex()).isEqualTo(3);

      String generate = fill(template("generate.txt"), Map.of("origin_prompt", DESC));
      String critique = fill(template("critique.txt"), Map.of("origin_prompt", DESC));
      assertThat(text(chats.get(0))).isEqualTo(generate);
      assertThat(chats.get(0).at("/messages/0/content").isTextual()).isTrue();
      for (int round = 0; round < 3; round++) {
        JsonNode critic = chats.get(1 + 2 * round);
        JsonNode refine = chats.get(2 + 2 * round);
        assertThat(text(critic)).isEqualTo(critique);
        assertCriticImageIsOpaque200PngOf(critic, result.candidates().get(round));
        // The refine prompt carries the previous SVG and what the critic said of it, substituted once.
        Critique said = result.candidates().get(round).critique().orElseThrow();
        String expectedRefine = fill(template("refine.txt"), Map.of(
            "origin_prompt", DESC,
            "current_svg_content", result.candidates().get(round).svg(),
            "critique", said.critique(),
            "suggestions", said.suggestions()));
        assertThat(text(refine)).isEqualTo(expectedRefine);
      }
      assertThat(text(chats.get(7))).isEqualTo(critique);
      assertCriticImageIsOpaque200PngOf(chats.get(7), result.candidates().get(3));

      assertThat(chats).extracting(c -> c.get("temperature").asDouble()).containsExactly(0.5, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.0);
      assertThat(chats).extracting(c -> c.get("max_tokens").asInt()).containsExactly(6000, 2048, 6000, 2048, 6000, 2048, 6000, 2048);
      assertThat(chats).allSatisfy(c -> {
        assertThat(c.get("model").asText()).isEqualTo(mock.model());
        assertThat(c.get("top_p").asDouble()).isEqualTo(1.0);
        assertThat(c.get("top_k").asInt()).isEqualTo(40);
        assertThat(c.get("repetition_penalty").asDouble()).isEqualTo(1.0);
        assertThat(c.get("seed").isIntegralNumber()).isTrue();
        assertThat(c.get("stream").asBoolean()).isTrue();
        assertThat(c.get("messages")).hasSize(1);
      });
    }
  }

  @Test
  void keptSvgAndScoreComeFromTheServersReplies() throws Exception {
    try (MockLmdeployServer mock = MockLmdeployServer.builder().start();
        IntroSvg introSvg = IntroSvg.builder().renderInProcess().server(mock.baseUrl()).streaming(false).build()) {

      PromptResult result = introSvg.generate("a blue umbrella");

      List<RecordedRequest> chats = mock.requests().stream().filter(r -> r.path().equals("/v1/chat/completions")).toList();
      Candidate kept = result.kept().orElseThrow();
      // Every candidate's SVG is what the generator wrote, and every score is what the critic wrote.
      assertThat(result.candidates()).allSatisfy(c -> assertThat(c.critique()).isPresent());
      assertThat(kept.score()).isEqualTo(result.candidates().stream().mapToDouble(Candidate::score).max().orElseThrow());
      assertThat(chats).allSatisfy(r -> assertThat(body(r).get("stream").asBoolean()).isFalse());
      assertThat(introSvg.model()).isEqualTo(mock.model());
      assertThat(SvgExtractor.extract(kept.svg())).isEqualTo(kept.svg());
    }
  }

  @Test
  void introspectiveStopsOnceTheCriticIsSatisfied() throws Exception {
    try (MockLmdeployServer mock = MockLmdeployServer.builder().start();
        IntroSvg introSvg = IntroSvg.builder().renderInProcess().server(mock.baseUrl())
            .settings(LoopSettings.builder().rounds(10).stopScore(7.0).build()).build()) {

      PromptResult result = introSvg.generate("a green leaf");

      assertThat(result.finalScore()).isGreaterThanOrEqualTo(7.0);
      assertThat(result.turns()).hasSizeLessThan(21);
      assertThat(result.turns().get(result.turns().size() - 1).label()).startsWith("critique-");
    }
  }

  private static void assertCriticImageIsOpaque200PngOf(JsonNode request, Candidate candidate) throws Exception {
    JsonNode content = request.at("/messages/0/content");
    assertThat(content.get(0).get("type").asText()).isEqualTo("text");
    assertThat(content.get(1).get("type").asText()).isEqualTo("image_url");
    String url = content.get(1).at("/image_url/url").asText();
    assertThat(url).startsWith("data:image/png;base64,");
    byte[] png = Base64.getDecoder().decode(url.substring("data:image/png;base64,".length()));
    assertThat(png).isEqualTo(candidate.png());
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    assertThat(image.getWidth()).isEqualTo(200);
    assertThat(image.getHeight()).isEqualTo(200);
    assertThat(image.getColorModel().hasAlpha()).isFalse();
    assertThat(image.getRGB(0, 0) & 0xffffff).isEqualTo(0xffffff);
  }

  private static String text(JsonNode request) {
    JsonNode content = request.at("/messages/0/content");
    return content.isTextual() ? content.asText() : content.get(0).get("text").asText();
  }

  private static JsonNode body(RecordedRequest r) {
    try {
      return JSON.readTree(r.body());
    } catch (Exception e) {
      throw new AssertionError(r.body(), e);
    }
  }

  /** Python's str.format as the reference uses it: one pass, values never re-expanded. */
  private static String fill(String template, Map<String, String> values) {
    return Pattern.compile("\\{([a-z_]+)}").matcher(template)
        .replaceAll(m -> Matcher.quoteReplacement(values.get(m.group(1))));
  }

  private static String template(String name) throws Exception {
    try (InputStream in = IntroSvgTest.class.getResourceAsStream("/io/github/introsvg/prompt/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
