package io.github.introsvg.batch;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** Another run (in this process or another) holds OUT; two runs in one OUT would repeat calls and mix files. */
public final class RunFolderBusyException extends RuntimeException {

  /** Who holds OUT, as it wrote itself into {@code OUT/.introsvg.lock}. */
  public record Holder(long pid, String host, Instant started) {
    public Holder {
      Objects.requireNonNull(host, "host == null");
      Objects.requireNonNull(started, "started == null");
    }

    @Override
    public String toString() {
      return "pid " + pid + " on " + host + ", started " + started;
    }
  }

  private final Path outDir;
  private final Holder holder;

  public RunFolderBusyException(Path outDir, Holder holder) {
    super(outDir + " is in use by another run (" + (holder == null ? "it has not said who it is yet" : holder)
        + "); wait for it to finish, or use another -o directory");
    this.outDir = outDir;
    this.holder = holder;
  }

  public Path outDir() {
    return outDir;
  }

  /** Empty when the holder had not yet written who it is (it had locked OUT a moment before). */
  public Optional<Holder> holder() {
    return Optional.ofNullable(holder);
  }
}
