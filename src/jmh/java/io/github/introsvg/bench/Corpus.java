package io.github.introsvg.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/** The render-benchmark corpus: the SVGs that {@code scripts/bench-render-corpus.sh} put in {@code DIR/svg}. */
record Corpus(Path dir, List<Entry> entries) {

  /** System property naming the corpus directory; defaults to {@code target/bench-corpus}. */
  static final String DIR_PROPERTY = "introsvg.bench.corpus";

  /** One SVG: its file name without {@code .svg} (prefixed with its icon set) and its text. */
  record Entry(String name, String svg) {
    Entry {
      Objects.requireNonNull(name, "name == null");
      Objects.requireNonNull(svg, "svg == null");
    }

    /** The icon set, the file name's prefix before {@code --}. */
    String set() {
      int cut = name.indexOf("--");
      return cut < 0 ? "other" : name.substring(0, cut);
    }
  }

  Corpus {
    Objects.requireNonNull(dir, "dir == null");
    entries = List.copyOf(entries);
  }

  static Path defaultDir() {
    return Path.of(System.getProperty(DIR_PROPERTY, "target/bench-corpus"));
  }

  /** Loads every {@code *.svg} in {@code dir/svg}, sorted by name; fails if there are none. */
  static Corpus load(Path dir) {
    Path svgDir = dir.resolve("svg");
    try (Stream<Path> files = Files.list(svgDir)) {
      List<Entry> entries = files
          .filter(p -> p.getFileName().toString().endsWith(".svg"))
          .sorted()
          .map(Corpus::read)
          .toList();
      if (entries.isEmpty()) {
        throw new IllegalStateException("no SVGs in " + svgDir + ": run scripts/bench-render-corpus.sh first");
      }
      return new Corpus(dir, entries);
    } catch (IOException e) {
      throw new UncheckedIOException("can't list " + svgDir + ": run scripts/bench-render-corpus.sh first", e);
    }
  }

  private static Entry read(Path file) {
    String fileName = file.getFileName().toString();
    try {
      return new Entry(fileName.substring(0, fileName.length() - 4), Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
