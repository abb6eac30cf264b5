package io.github.introsvg.mock;

import java.util.Map;
import java.util.Objects;

/**
 * One request the mock received and the HTTP status it answered with.
 *
 * @param headers request headers by lower-case name; repeated headers joined with {@code ", "}
 * @param body the request body as UTF-8 text (empty when the body was refused as too large)
 * @param status the status sent, or 0 while the request is still being handled (as a {@link FaultPlan} sees it)
 */
public record RecordedRequest(String method, String path, Map<String, String> headers, String body, int status) {

  public RecordedRequest {
    Objects.requireNonNull(method, "method == null");
    Objects.requireNonNull(path, "path == null");
    headers = Map.copyOf(Objects.requireNonNull(headers, "headers == null"));
    Objects.requireNonNull(body, "body == null");
  }

  /** The header's value, or null when absent; {@code name} is matched case-insensitively. */
  public String header(String name) {
    return headers.get(name.toLowerCase(java.util.Locale.ROOT));
  }

  RecordedRequest withStatus(int sent) {
    return new RecordedRequest(method, path, headers, body, sent);
  }
}
