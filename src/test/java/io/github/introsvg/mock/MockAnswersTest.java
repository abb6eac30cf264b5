package io.github.introsvg.mock;

import static io.github.introsvg.mock.MockCalls.chat;
import static io.github.introsvg.mock.MockCalls.content;
import static io.github.introsvg.mock.MockCalls.critiqueOf;
import static io.github.introsvg.mock.MockCalls.critiquePrompt;
import static io.github.introsvg.mock.MockCalls.generatePrompt;
import static io.github.introsvg.mock.MockCalls.imageRequest;
import static io.github.introsvg.mock.MockCalls.parse;
import static io.github.introsvg.mock.MockCalls.refinePrompt;
import static io.github.introsvg.mock.MockCalls.renderDataUrl;
import static io.github.introsvg.mock.MockCalls.svgOf;
import static io.github.introsvg.mock.MockCalls.textRequest;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Element;

class MockAnswersTest {

  private static final String APPLE = "a red apple with a green leaf on a white background";
  private static MockLmdeployServer server;

  @BeforeAll
  static void startServer() {
    server = MockLmdeployServer.builder().seed(11).start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Test
  @Timeout(10)
  void sameRequestGetsSameDraftAndNewSeedGetsAnotherDraft() {
    String first = content(chat(server, textRequest(server, generatePrompt(APPLE), 1, 6000)));
    String again = content(chat(server, textRequest(server, generatePrompt(APPLE), 1, 6000)));
    String reseeded = content(chat(server, textRequest(server, generatePrompt(APPLE), 2, 6000)));
    assertThat(again).isEqualTo(first);
    assertThat(svgOf(reseeded)).isNotEqualTo(svgOf(first));

    try (MockLmdeployServer otherServerSeed = MockLmdeployServer.builder().seed(12).start()) {
      String elsewhere = content(chat(otherServerSeed, textRequest(otherServerSeed, generatePrompt(APPLE), 1, 6000)));
      assertThat(svgOf(elsewhere)).isNotEqualTo(svgOf(first));
    }
  }

  @Test
  @Timeout(10)
  void draftIsWellFormedPlaceholderIconInTheDescribedColours() throws Exception {
    String svg = svgOf(content(chat(server, textRequest(server, generatePrompt(APPLE), 5, 6000))));
    Element root = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
    assertThat(root.getTagName()).isEqualTo("svg");
    assertThat(root.getAttribute("viewBox")).isEqualTo("0 0 200 200");
    assertThat(svg).contains("<!-- mock revision 0 -->").contains("#d62828").contains("#2a9d8f");
    assertThat(svg.length()).isBetween(300, 2500);
  }

  @Test
  @Timeout(10)
  void variesPresentationLikeARealModel() {
    Set<String> styles = new HashSet<>();
    for (long seed = 0; seed < 40; seed++) {
      String reply = content(chat(server, textRequest(server, generatePrompt(APPLE), seed, 6000)));
      styles.add(reply.startsWith("<svg") ? "raw" : reply.contains("```xml") ? "xml" : reply.contains("```svg")
          ? "svg" : "prose");
    }
    assertThat(styles).containsExactlyInAnyOrder("raw", "xml", "svg", "prose");
  }

  @Test
  @Timeout(20)
  void critiqueReadsEachRefinedRevisionFromPixelsAndScoresItHigher() {
    String svg = svgOf(content(chat(server, textRequest(server, generatePrompt(APPLE), 3, 6000))));
    List<Double> scores = new ArrayList<>();
    JsonNode critique = null;
    for (int revision = 0; revision <= 4; revision++) {
      assertThat(svg).contains("<!-- mock revision " + revision + " -->");
      assertThat(MockArt.revisionOf(decode(renderDataUrl(svg)))).isEqualTo(revision);
      String reply = content(chat(server, imageRequest(server, critiquePrompt(APPLE), renderDataUrl(svg), 3)));
      critique = critiqueOf(reply);
      scores.add(critique.path("score").asDouble());
      if (System.getProperty("mock.dump") != null) {
        dump(svg, reply, revision);
      }
      assertThat(critique.path("critique").asText()).isNotBlank();
      String next = refinePrompt(APPLE, svg, critique.path("critique").asText(), critique.path("suggestions").asText());
      svg = svgOf(content(chat(server, textRequest(server, next, 3, 6000).put("temperature", 0.2))));
    }
    for (int i = 1; i < scores.size(); i++) {
      assertThat(scores.get(i)).as("scores %s", scores).isGreaterThan(scores.get(i - 1)).isLessThanOrEqualTo(10.0);
    }
    assertThat(scores.get(scores.size() - 1)).isGreaterThanOrEqualTo(9.0);
    assertThat(critique.path("suggestions").asText()).isEqualTo(MockModel.NO_CHANGES);
  }

  @Test
  @Timeout(10)
  void critiqueOfLowRevisionGivesNumberedSuggestionsOnSeparateLines() {
    String svg = svgOf(content(chat(server, textRequest(server, generatePrompt(APPLE), 4, 6000))));
    for (long seed = 0; seed < 6; seed++) {
      String reply = content(chat(server, imageRequest(server, critiquePrompt(APPLE), renderDataUrl(svg), seed)));
      JsonNode critique = critiqueOf(reply);
      double score = critique.path("score").asDouble();
      assertThat(score).isBetween(5.0, 8.0);
      assertThat(Math.round(score * 10) / 10.0).isEqualTo(score);
      assertThat(critique.path("suggestions").asText()).startsWith("1. ").contains("\n2. ");
    }
  }

  @Test
  @Timeout(10)
  void critiqueOfAnImageTheMockDidNotDrawScoresAsFirstDraft() {
    String mine = svgOf(content(chat(server, textRequest(server, generatePrompt(APPLE), 4, 6000))));
    double draftScore = critiqueOf(content(chat(server,
        imageRequest(server, critiquePrompt(APPLE), renderDataUrl(mine), 9)))).path("score").asDouble();
    double foreignScore = critiqueOf(content(chat(server,
        imageRequest(server, critiquePrompt(APPLE), MockCalls.foreignDataUrl(), 9)))).path("score").asDouble();
    assertThat(foreignScore).isBetween(draftScore - 0.4, draftScore + 0.4);
  }

  @Test
  @Timeout(10)
  void cutsReplyAtMaxTokensWithFinishReasonLength() {
    String full = content(chat(server, textRequest(server, generatePrompt(APPLE), 1, 6000)));
    HttpResponse<String> response = chat(server, textRequest(server, generatePrompt(APPLE), 1, 10));
    JsonNode root = parse(response.body());
    JsonNode choice = root.path("choices").path(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
    assertThat(choice.path("message").path("content").asText()).isEqualTo(full.substring(0, 40));
    assertThat(root.path("usage").path("completion_tokens").asInt()).isEqualTo(10);

    // Without max_tokens the reply runs to its end, as a server with a large context would.
    var unbounded = textRequest(server, generatePrompt(APPLE), 1, 6000);
    unbounded.remove("max_tokens");
    JsonNode whole = parse(chat(server, unbounded).body()).path("choices").path(0);
    assertThat(whole.path("finish_reason").asText()).isEqualTo("stop");
    assertThat(whole.path("message").path("content").asText()).isEqualTo(full);
  }

  @Test
  @Timeout(10)
  void countsFiftyOneTokensPerImage() {
    String prompt = critiquePrompt(APPLE);
    JsonNode usage = parse(chat(server, imageRequest(server, prompt, MockCalls.foreignDataUrl(), 0)).body())
        .path("usage");
    assertThat(usage.path("prompt_tokens").asInt()).isEqualTo((prompt.length() + 3) / 4 + 51);
  }

  @Test
  @Timeout(10)
  void answersOtherPromptsWithShortPlainText() {
    String reply = content(chat(server, textRequest(server, "What is the capital of France?", 0, 200)));
    assertThat(reply).doesNotContain("<svg").contains("mock").hasSizeLessThan(300);
    // A critique prompt without an image is not a critique turn.
    assertThat(content(chat(server, textRequest(server, critiquePrompt(APPLE), 0, 2000)))).doesNotContain("score");
  }

  private static void dump(String svg, String reply, int revision) {
    try {
      java.nio.file.Path dir = java.nio.file.Path.of(System.getProperty("mock.dump"));
      java.nio.file.Files.createDirectories(dir);
      java.nio.file.Files.writeString(dir.resolve("rev" + revision + ".svg"), svg);
      java.nio.file.Files.writeString(dir.resolve("rev" + revision + ".critique.txt"), reply);
      javax.imageio.ImageIO.write(decode(renderDataUrl(svg)), "png", dir.resolve("rev" + revision + ".png").toFile());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static java.awt.image.BufferedImage decode(String dataUrl) {
    return ChatCall.decodeImage(dataUrl);
  }
}
