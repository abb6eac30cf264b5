package io.github.introsvg.deploy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What {@code lmdeploy serve api_server} and {@code lmdeploy serve proxy} look like from outside, for
 * {@link LaunchScriptTest}: the routes lmdeploy-launch.sh polls and calls, on 127.0.0.1, until SIGTERM.
 *
 * <p>api_server: {@code /health} answers 503 for the first {@code FAKE_HEALTH_503} requests (the engine
 * initialising), then 200; {@code /v1/models} lists {@code --model-name} and, like lmdeploy, wants the
 * bearer key when {@code --api-keys} was given. With {@code FAKE_FAIL_PORT} equal to its port it exits
 * at once with status 1 (a server that dies while loading). proxy: {@code /nodes/status},
 * {@code /nodes/add} (each body appended to {@code $FAKE_RECORD_DIR/proxy-nodes}) and {@code /v1/models}
 * listing the added nodes' models.
 */
public final class FakeLmdeploy {

  private FakeLmdeploy() {}

  public static void main(String[] args) throws Exception {
    List<String> argv = List.of(args);
    if (argv.size() < 2 || !argv.get(0).equals("serve")) throw new IllegalArgumentException("usage: serve api_server|proxy ...");
    int port = Integer.parseInt(option(argv, "--server-port", "23333"));
    if (String.valueOf(port).equals(System.getenv("FAKE_FAIL_PORT"))) {
      System.err.println("fake lmdeploy: CUDA out of memory while loading (FAKE_FAIL_PORT)");
      System.exit(1);
    }
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    switch (argv.get(1)) {
      case "api_server" -> apiServer(server, argv);
      case "proxy" -> proxy(server);
      default -> throw new IllegalArgumentException("unknown: " + argv.get(1));
    }
    server.start();
    System.err.println("fake lmdeploy " + argv.get(1) + " on 127.0.0.1:" + port);
    new CountDownLatch(1).await(); // until SIGTERM ends the JVM
  }

  private static void apiServer(HttpServer server, List<String> argv) {
    String model = option(argv, "--model-name", argv.size() > 2 ? argv.get(2) : "model");
    String key = option(argv, "--api-keys", null);
    int unhealthy = Integer.parseInt(System.getenv().getOrDefault("FAKE_HEALTH_503", "0"));
    AtomicInteger healthCalls = new AtomicInteger();
    server.createContext("/health", exchange -> {
      if (healthCalls.incrementAndGet() <= unhealthy) reply(exchange, 503, "{\"status\":\"initializing\"}");
      else reply(exchange, 200, "{\"status\":\"healthy\"}");
    });
    server.createContext("/v1/models", exchange -> {
      if (key != null && !("Bearer " + key).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        reply(exchange, 401, "{\"message\":\"Unauthorized.\",\"object\":\"error\",\"code\":401}");
      } else {
        reply(exchange, 200, models(List.of(model)));
      }
    });
  }

  private static void proxy(HttpServer server) {
    List<String> models = new CopyOnWriteArrayList<>();
    Path record = Path.of(System.getenv("FAKE_RECORD_DIR"), "proxy-nodes");
    server.createContext("/nodes/status", exchange -> reply(exchange, 200, "{}"));
    server.createContext("/nodes/add", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Files.writeString(record, body + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      int at = body.indexOf("\"models\":[\"");
      if (at >= 0) models.add(body.substring(at + 11, body.indexOf('"', at + 11)));
      reply(exchange, 200, "\"Added successfully\"");
    });
    server.createContext("/v1/models", exchange -> reply(exchange, 200, models(models)));
  }

  private static String models(List<String> names) {
    List<String> cards = new ArrayList<>();
    for (String name : names) cards.add("{\"id\":\"" + name + "\",\"object\":\"model\",\"owned_by\":\"lmdeploy\"}");
    return "{\"object\":\"list\",\"data\":[" + String.join(",", cards) + "]}";
  }

  private static String option(List<String> argv, String name, String fallback) {
    int at = argv.indexOf(name);
    return at >= 0 && at + 1 < argv.size() ? argv.get(at + 1) : fallback;
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }
}
