package io.github.introsvg.internal.lmdeploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

  private static final Map<String, String> ENV = Map.of(ApiKeys.ENV_VAR, "from-env");

  @TempDir Path dir;

  private Path keyFile(String content) throws Exception {
    return Files.writeString(dir.resolve("key.txt"), content);
  }

  @Test
  void prefersExplicitKey() throws Exception {
    assertThat(ApiKeys.resolve(Optional.of("explicit"), Optional.of(keyFile("from-file")), ENV)).contains("explicit");
  }

  @Test
  void readsTrimmedFileBeforeEnvironment() throws Exception {
    assertThat(ApiKeys.resolve(Optional.empty(), Optional.of(keyFile("  from-file\n")), ENV)).contains("from-file");
  }

  @Test
  void fallsBackToEnvironment() {
    assertThat(ApiKeys.resolve(Optional.of("  "), Optional.empty(), ENV)).contains("from-env");
  }

  @Test
  void isEmptyWhenNothingGiven() {
    assertThat(ApiKeys.resolve(Optional.empty(), Optional.empty(), Map.of(ApiKeys.ENV_VAR, ""))).isEmpty();
  }

  @Test
  void rejectsEmptyOrMissingFileWithoutLeakingContent() throws Exception {
    Path empty = keyFile("\n");
    assertThatThrownBy(() -> ApiKeys.resolve(Optional.empty(), Optional.of(empty), ENV))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(empty.toString());
    Path missing = dir.resolve("absent.txt");
    assertThatThrownBy(() -> ApiKeys.resolve(Optional.empty(), Optional.of(missing), ENV))
        .isInstanceOf(UncheckedIOException.class).hasMessageContaining(missing.toString());
  }
}
