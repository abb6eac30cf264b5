package io.github.introsvg.internal.loop;

import io.github.introsvg.internal.lmdeploy.ChatClient;
import io.github.introsvg.internal.lmdeploy.ChatReply;
import io.github.introsvg.internal.lmdeploy.ChatRequest;
import io.github.introsvg.lmdeploy.LmdeployException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** A ChatClient that answers from a script, in order, and records what it was asked. */
final class ScriptedChat implements ChatClient {

  final List<ChatRequest> requests = new ArrayList<>();
  private final Deque<Object> script = new ArrayDeque<>();

  static String svg(String tag) {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 200 200\"><!-- " + tag + " --><rect width=\"10\" height=\"10\"/></svg>";
  }

  static String critique(double score, String suggestions) {
    return "{\"score\": " + score + ", \"critique\": \"critique at " + score + "\", \"suggestions\": \"" + suggestions + "\"}";
  }

  ScriptedChat then(String content) {
    script.add(new ChatReply(content, "stop", new ChatReply.Usage(10, 20), Duration.ofMillis(5)));
    return this;
  }

  ScriptedChat thenTruncated(String content) {
    script.add(new ChatReply(content, "length", new ChatReply.Usage(10, 6000), Duration.ofMillis(5)));
    return this;
  }

  ScriptedChat thenFail(LmdeployException e) {
    script.add(e);
    return this;
  }

  @Override
  public synchronized ChatReply complete(ChatRequest request) {
    requests.add(request);
    Object next = script.poll();
    if (next == null) throw new AssertionError("unscripted request #" + requests.size() + ": " + request.text());
    if (next instanceof LmdeployException e) throw e;
    return (ChatReply) next;
  }
}
