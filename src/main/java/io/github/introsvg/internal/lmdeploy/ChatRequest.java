package io.github.introsvg.internal.lmdeploy;

import io.github.introsvg.lmdeploy.Sampling;
import java.util.Objects;
import java.util.Optional;

/**
 * One single-turn chat completion: a user message with text, and for critic turns a PNG after the text
 * (sent as {@code [{"type":"text"},{"type":"image_url"}]}, exactly as the reference does). Without an
 * image the content is a plain string.
 *
 * @param pngBase64 the image as standard base64 (no data-URL prefix), or empty for a text-only turn
 */
public record ChatRequest(String model, String text, Optional<String> pngBase64, Sampling sampling, long seed) {

  public ChatRequest {
    Objects.requireNonNull(model, "model == null");
    Objects.requireNonNull(text, "text == null");
    Objects.requireNonNull(pngBase64, "pngBase64 == null");
    Objects.requireNonNull(sampling, "sampling == null");
  }

  public static ChatRequest text(String model, String text, Sampling sampling, long seed) {
    return new ChatRequest(model, text, Optional.empty(), sampling, seed);
  }

  public static ChatRequest withPng(String model, String text, String pngBase64, Sampling sampling, long seed) {
    return new ChatRequest(model, text, Optional.of(pngBase64), sampling, seed);
  }
}
