package io.github.introsvg.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.weisj.jsvg.SVGDocument;
import com.github.weisj.jsvg.parser.LoaderContext;
import com.github.weisj.jsvg.parser.SVGLoader;
import com.github.weisj.jsvg.view.ViewBox;
import java.awt.Color;
import java.awt.Component;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import javax.imageio.ImageIO;

/** Test helpers: real HTTP calls to the mock, the project's prompt templates, and a JSVG render. */
final class MockCalls {

  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private MockCalls() {}

  static HttpResponse<String> get(MockLmdeployServer server, String path, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).GET();
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request);
  }

  static HttpResponse<String> post(MockLmdeployServer server, String path, String body, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request);
  }

  static HttpResponse<String> chat(MockLmdeployServer server, ObjectNode body) {
    return post(server, "/v1/chat/completions", body.toString());
  }

  /** The content of a non-streaming reply. */
  static String content(HttpResponse<String> response) {
    JsonNode root = parse(response.body());
    return root.path("choices").path(0).path("message").path("content").asText();
  }

  static JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode textRequest(MockLmdeployServer server, String text, long seed, int maxTokens) {
    ObjectNode body = JSON.createObjectNode().put("model", server.model()).put("temperature", 0.5)
        .put("top_p", 1.0).put("max_tokens", maxTokens).put("seed", seed);
    body.putArray("messages").addObject().put("role", "user").put("content", text);
    return body;
  }

  static ObjectNode imageRequest(MockLmdeployServer server, String text, String dataUrl, long seed) {
    ObjectNode body = JSON.createObjectNode().put("model", server.model()).put("temperature", 0.1)
        .put("max_tokens", 2048).put("seed", seed);
    ArrayNode content = body.putArray("messages").addObject().put("role", "user").putArray("content");
    content.addObject().put("type", "text").put("text", text);
    content.addObject().put("type", "image_url").putObject("image_url").put("url", dataUrl);
    return body;
  }

  static String generatePrompt(String description) {
    return template("generate").replace("{origin_prompt}", description);
  }

  static String critiquePrompt(String description) {
    return template("critique").replace("{origin_prompt}", description);
  }

  static String refinePrompt(String description, String svg, String critique, String suggestions) {
    return template("refine").replace("{origin_prompt}", description).replace("{current_svg_content}", svg)
        .replace("{critique}", critique).replace("{suggestions}", suggestions);
  }

  private static String template(String name) {
    try (InputStream in = MockCalls.class.getResourceAsStream("/io/github/introsvg/prompt/" + name + ".txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code <svg>...</svg>} inside a reply, whatever prose or fences surround it. */
  static String svgOf(String reply) {
    int start = reply.indexOf("<svg");
    int end = reply.lastIndexOf("</svg>");
    if (start < 0 || end < start) {
      throw new AssertionError("no SVG in reply: " + reply);
    }
    return reply.substring(start, end + "</svg>".length());
  }

  /** The critique JSON inside a reply: the text from the first '{' to the last '}', as the reference parses it. */
  static JsonNode critiqueOf(String reply) {
    return parse(reply.substring(reply.indexOf('{'), reply.lastIndexOf('}') + 1));
  }

  /** Renders like the client's critic input: 200x200 on white. */
  static String renderDataUrl(String svg) {
    SVGDocument document = new SVGLoader().load(
        new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)), null, LoaderContext.createDefault());
    BufferedImage image = new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 200, 200);
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    document.render((Component) null, g, new ViewBox(0, 0, 200, 200));
    g.dispose();
    return dataUrl(image);
  }

  /** A plain 200x200 picture the mock did not draw. */
  static String foreignDataUrl() {
    BufferedImage image = new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.BLACK);
    g.fillRect(0, 0, 200, 200);
    g.setColor(Color.ORANGE);
    g.fillOval(40, 40, 120, 120);
    g.dispose();
    return dataUrl(image);
  }

  static String dataUrl(BufferedImage image) {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
