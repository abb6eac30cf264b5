package io.github.introsvg.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Headless Debian Chromium driven through its chromedriver with the W3C WebDriver protocol (JSON over HTTP),
 * spoken here over OkHttp rather than through Selenium: Selenium's two dozen jars would lengthen the test
 * classpath that render workers inherit past what {@code ProcessHandle.Info.commandLine()} reports.
 */
final class Chromium implements AutoCloseable {

  static final Path BINARY = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final Pattern STARTED = Pattern.compile("started successfully on port (\\d+)");
  private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process driver;
  private final OkHttpClient http = new OkHttpClient.Builder().readTimeout(60, TimeUnit.SECONDS).build();
  private final String session;

  static boolean installed() {
    return Files.isExecutable(BINARY) && Files.isExecutable(DRIVER);
  }

  /** Starts chromedriver and a headless browser with a fresh profile in {@code profile}, as in .ci's machine notes. */
  Chromium(Path profile) throws IOException {
    driver = new ProcessBuilder(DRIVER.toString(), "--port=0").redirectErrorStream(true).start();
    try {
      String base = "http://127.0.0.1:" + port(driver);
      Map<String, Object> chrome = Map.of("binary", BINARY.toString(), "args", List.of("--headless", "--no-sandbox",
          "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--user-data-dir=" + profile, "--window-size=1280,1600"));
      JsonNode created = call("POST", base + "/session",
          Map.of("capabilities", Map.of("alwaysMatch", Map.of("browserName", "chrome", "goog:chromeOptions", chrome))));
      session = base + "/session/" + created.get("sessionId").asText();
      call("POST", session + "/timeouts", Map.of("script", 60_000));
    } catch (IOException | RuntimeException e) {
      driver.destroyForcibly();
      throw e;
    }
  }

  void open(URI page) throws IOException {
    call("POST", session + "/url", Map.of("url", page.toString()));
  }

  /** Runs {@code js} as a function body in the page; returns its result as JSON. */
  JsonNode script(String js, Object... args) throws IOException {
    return call("POST", session + "/execute/sync", Map.of("script", js, "args", List.of(args)));
  }

  /** Runs {@code js}, which calls its last argument with the result, and waits for that. */
  JsonNode asyncScript(String js, Object... args) throws IOException {
    return call("POST", session + "/execute/async", Map.of("script", js, "args", List.of(args)));
  }

  void click(String css) throws IOException {
    call("POST", element(css) + "/click", Map.of());
  }

  void type(String css, String text) throws IOException {
    call("POST", element(css) + "/value", Map.of("text", text));
  }

  void clear(String css) throws IOException {
    call("POST", element(css) + "/clear", Map.of());
  }

  String text(String css) throws IOException {
    return call("GET", element(css) + "/text", null).asText();
  }

  byte[] screenshot() throws IOException {
    return Base64.getDecoder().decode(call("GET", session + "/screenshot", null).asText());
  }

  private String element(String css) throws IOException {
    JsonNode found = call("POST", session + "/element", Map.of("using", "css selector", "value", css));
    return session + "/element/" + found.get(ELEMENT).asText();
  }

  private JsonNode call(String method, String url, Object body) throws IOException {
    RequestBody content = body == null ? null : RequestBody.create(JSON.writeValueAsBytes(body), JSON_TYPE);
    try (Response response = http.newCall(new Request.Builder().url(url).method(method, content).build()).execute()) {
      JsonNode reply = JSON.readTree(response.body().byteStream());
      if (!response.isSuccessful()) throw new IOException("WebDriver " + method + " " + url + ": " + reply);
      return reply.path("value");
    }
  }

  /** Reads chromedriver's output until it names its port; it says so as soon as it listens. */
  private static int port(Process driver) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(driver.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder said = new StringBuilder();
    for (String line; (line = out.readLine()) != null; ) {
      said.append(line).append('\n');
      Matcher m = STARTED.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> out.lines().forEach(ignored -> { }), "chromedriver-output");
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(m.group(1));
      }
    }
    throw new IOException("chromedriver exited without listening: " + said);
  }

  @Override
  public void close() {
    try {
      call("DELETE", session, null);
    } catch (IOException | RuntimeException e) {
      // the browser is gone already; still stop the driver
    } finally {
      driver.destroy();
      try {
        if (!driver.waitFor(10, TimeUnit.SECONDS)) driver.destroyForcibly();
      } catch (InterruptedException e) {
        driver.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
