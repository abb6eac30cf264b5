package io.github.introsvg.mock;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One request the mock received, the HTTP status it answered with, and the fault it injected, if any.
 *
 * @param headers request headers by lower-case name; repeated headers joined with {@code ", "}
 * @param body the request body as UTF-8 text (empty when the body was refused as too large)
 * @param status the status sent, or 0 while the request is still being handled (as a {@link FaultPlan} sees it)
 *     and for a request answered with no status at all (a reset or a stall)
 * @param fault the fault injected into this request; empty when it was answered normally (a {@link
 *     Fault.MalformedCritique} planned for a request that is not a critique is not injected, so not recorded)
 */
public record RecordedRequest(
    String method, String path, Map<String, String> headers, String body, int status, Optional<Fault> fault) {

  public RecordedRequest {
    Objects.requireNonNull(method, "method == null");
    Objects.requireNonNull(path, "path == null");
    headers = Map.copyOf(Objects.requireNonNull(headers, "headers == null"));
    Objects.requireNonNull(body, "body == null");
    Objects.requireNonNull(fault, "fault == null");
  }

  /** A request without an injected fault. */
  public RecordedRequest(String method, String path, Map<String, String> headers, String body, int status) {
    this(method, path, headers, body, status, Optional.empty());
  }

  /** The header's value, or null when absent; {@code name} is matched case-insensitively. */
  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  RecordedRequest withStatus(int sent) {
    return new RecordedRequest(method, path, headers, body, sent, fault);
  }

  RecordedRequest withFault(Fault injected) {
    return new RecordedRequest(method, path, headers, body, status, Optional.of(injected));
  }
}
