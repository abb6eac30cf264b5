package io.github.introsvg.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The library's one ObjectMapper for the JSON it writes and reads back (request bodies, run files, the mock's
 * replies). Tree model only, so Jackson never reflects on library types. The critic's JSON is the exception: the
 * model writes it, so {@code CritiqueParser} keeps a lenient mapper of its own.
 */
public final class Json {

  /** Strict: a document is exactly one JSON value, so a torn or concatenated line is an error, not half-read. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private Json() {}
}
