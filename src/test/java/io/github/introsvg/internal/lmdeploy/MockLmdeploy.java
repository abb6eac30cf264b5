package io.github.introsvg.internal.lmdeploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import mockwebserver3.MockResponse;

/** Fixtures and canned responses for the lmdeploy client tests. */
final class MockLmdeploy {

  private MockLmdeploy() {}

  static String fixture(String name) {
    return resource("/lmdeploy/" + name);
  }

  static String resource(String path) {
    try (InputStream in = MockLmdeploy.class.getResourceAsStream(path)) {
      if (in == null) throw new IllegalArgumentException("no resource " + path);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body).build();
  }

  static MockResponse sse(String body) {
    // Small chunks so events and even lines arrive split across reads.
    return new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").chunkedBody(body, 7).build();
  }

  static MockResponse models(String... ids) {
    StringBuilder data = new StringBuilder();
    for (String id : ids) {
      if (data.length() > 0) data.append(',');
      data.append("{\"id\":\"").append(id).append("\",\"object\":\"model\"}");
    }
    return json(200, "{\"object\":\"list\",\"data\":[" + data + "]}");
  }

  /** A v0.16 flat error body. */
  static String flatError(int code, String message) {
    return "{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\",\"code\":" + code
        + ",\"param\":null,\"object\":\"error\"}";
  }
}
