package io.github.introsvg.internal.lmdeploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Where the lmdeploy API key comes from: an explicit value, else a file, else {@value #ENV_VAR}. */
public final class ApiKeys {

  public static final String ENV_VAR = "INTROSVG_API_KEY";

  private ApiKeys() {}

  /**
   * The first of: {@code explicit} (if not blank), the trimmed content of {@code file}, {@code env}'s
   * {@value #ENV_VAR} (if not blank); empty when none is given.
   *
   * @throws IllegalArgumentException when the file is given but empty
   * @throws UncheckedIOException when the file is given but can't be read
   */
  public static Optional<String> resolve(Optional<String> explicit, Optional<Path> file, Map<String, String> env) {
    Objects.requireNonNull(explicit, "explicit == null");
    Objects.requireNonNull(file, "file == null");
    Objects.requireNonNull(env, "env == null");
    if (explicit.isPresent() && !explicit.get().isBlank()) return Optional.of(explicit.get().strip());
    if (file.isPresent()) {
      String key;
      try {
        key = Files.readString(file.get(), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        // The message names the file, never its content.
        throw new UncheckedIOException("Can't read the API key file " + file.get() + " (" + e.getClass().getSimpleName() + ")", e);
      }
      if (key.isEmpty()) throw new IllegalArgumentException("The API key file " + file.get() + " is empty");
      return Optional.of(key);
    }
    String fromEnv = env.get(ENV_VAR);
    return fromEnv == null || fromEnv.isBlank() ? Optional.empty() : Optional.of(fromEnv.strip());
  }
}
