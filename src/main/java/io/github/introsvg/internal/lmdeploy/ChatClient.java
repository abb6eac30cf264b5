package io.github.introsvg.internal.lmdeploy;

import io.github.introsvg.lmdeploy.LmdeployException;

/** Sends one chat completion and waits for its whole reply; thread-safe. */
public interface ChatClient {

  /**
   * @throws LmdeployException (or a subclass) when the server refuses the request, fails, or can't be reached
   */
  ChatReply complete(ChatRequest request);
}
