package io.github.introsvg.internal.lmdeploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.introsvg.lmdeploy.Sampling;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server (or a proxy in front of lmdeploy) that answers in HTTP/1.0 closes the connection after every reply
 * without saying {@code Connection: close}. OkHttp would pool such a connection and send the next request on a
 * dead socket; the client must not, or every second turn fails and waits out a retry.
 */
@Timeout(20)
class Http10ServerTest {

  private static final String MODELS = "{\"object\":\"list\",\"data\":[{\"id\":\"introsvg\",\"object\":\"model\"}]}";
  private static final String CHAT = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"introsvg\",\"choices\":[{\"index\":0,"
      + "\"message\":{\"role\":\"assistant\",\"content\":\"<svg xmlns='http://www.w3.org/2000/svg'/>\"},\"finish_reason\":\"stop\"}],"
      + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}";

  private ServerSocket listener;
  private final AtomicInteger connections = new AtomicInteger();
  private LmdeployClient client;

  @BeforeEach
  void start() throws IOException {
    listener = new ServerSocket(0);
    Thread server = new Thread(this::serve, "http10-server");
    server.setDaemon(true);
    server.start();
    client = LmdeployClient.builder().baseUrl("http://127.0.0.1:" + listener.getLocalPort()).streaming(false).build();
  }

  @AfterEach
  void stop() throws IOException {
    client.close();
    listener.close();
  }

  @Test
  void everyRequestAfterAnHttp10ReplyGoesOutOnAFreshConnection() {
    assertThat(client.models()).containsExactly("introsvg");
    for (int i = 0; i < 3; i++) {
      ChatReply reply = client.complete(ChatRequest.text("introsvg", "a red apple", Sampling.of(100, 0.5), i));
      assertThat(reply.content()).startsWith("<svg");
    }
    assertThat(connections).hasValue(4);
  }

  /** One request per connection, answered in HTTP/1.0 with no Connection header, then closed: Python's http.server. */
  private void serve() {
    while (!listener.isClosed()) {
      try (Socket socket = listener.accept()) {
        connections.incrementAndGet();
        InputStream in = socket.getInputStream();
        BufferedReader head = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
        String requestLine = head.readLine();
        int length = 0;
        for (String line = head.readLine(); line != null && !line.isEmpty(); line = head.readLine()) {
          if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(line.substring(15).strip());
        }
        for (int i = 0; i < length; i++) head.read(); // the body; JSON here is ASCII, one char per byte
        byte[] body = (requestLine.startsWith("GET") ? MODELS : CHAT).getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
      } catch (IOException e) {
        // the listener closed at the end of the test, or the client hung up
      }
    }
  }
}
