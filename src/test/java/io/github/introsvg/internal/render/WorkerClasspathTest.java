package io.github.introsvg.internal.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.render.SvgRenderException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a render worker finds the library's classes, for each way a host can have loaded them. */
class WorkerClasspathTest {

  @TempDir
  Path dir;

  @Test
  void aFileLocationIsUsedAsItIs() throws Exception {
    Path jar = Files.createDirectories(dir.resolve("with space")).resolve("lib.jar");

    assertThat(WorkerClasspath.pathOf(jar.toUri().toURL(), dir.resolve("cache"))).isEqualTo(jar);
    assertThat(WorkerClasspath.pathOf(new URL("jar:" + jar.toUri() + "!/"), dir.resolve("cache"))).isEqualTo(jar);
    assertThat(dir.resolve("cache")).doesNotExist();
  }

  @Test
  void aJarNestedInSpringBootsFatJarIsExtractedOnceAndReused() throws Exception {
    byte[] lib = jar(Map.of("io/example/A.class", "A"));
    Path app = fatJar(Map.of("BOOT-INF/lib/lib.jar", lib));
    URL nested = springBootUrl("jar:nested:" + app.toUri().getRawPath() + "/!BOOT-INF/lib/lib.jar!/");

    Path extracted = WorkerClasspath.pathOf(nested, dir.resolve("cache"));
    Files.setLastModifiedTime(extracted, FileTime.fromMillis(0));
    Path again = WorkerClasspath.pathOf(nested, dir.resolve("cache"));

    assertThat(extracted.getFileName()).hasToString("lib.jar");
    assertThat(extracted.getParent().getParent()).isEqualTo(dir.resolve("cache"));
    assertThat(extracted.getParent().getFileName().toString()).matches("introsvg-client-[^/]+-[0-9a-f]{16}");
    assertThat(Files.readAllBytes(extracted)).isEqualTo(lib);
    assertThat(again).isEqualTo(extracted);
    assertThat(Files.getLastModifiedTime(again).toMillis()).isZero(); // not written again
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(extracted.getParent()))).isEqualTo("rwx------");
    try (var files = Files.list(extracted.getParent())) {
      assertThat(files).containsExactly(extracted); // no partial copy left behind
    }
  }

  @Test
  void olderSpringBootLocationsOfAJarAndOfTheAppsClassesFolderAreExtracted() throws Exception {
    byte[] lib = jar(Map.of("io/example/A.class", "A"));
    Path app = fatJar(Map.of("BOOT-INF/lib/lib.jar", lib, "BOOT-INF/classes/io/example/B.class", "B".getBytes(StandardCharsets.UTF_8)));

    Path extractedLib = WorkerClasspath.pathOf(new URL("jar:" + app.toUri() + "!/BOOT-INF/lib/lib.jar!/"), dir.resolve("cache"));
    Path classes = WorkerClasspath.pathOf(new URL("jar:" + app.toUri() + "!/BOOT-INF/classes!/"), dir.resolve("cache"));

    assertThat(Files.readAllBytes(extractedLib)).isEqualTo(lib);
    assertThat(classes.getFileName()).hasToString("classes.jar");
    try (JarFile jar = new JarFile(classes.toFile())) {
      assertThat(new String(jar.getInputStream(jar.getEntry("io/example/B.class")).readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("B");
    }
  }

  @Test
  void aRebuiltApplicationGetsAFreshCopy() throws Exception {
    URL nested = springBootUrl("jar:nested:" + dir.resolve("app.jar").toUri().getRawPath() + "/!BOOT-INF/lib/lib.jar!/");
    fatJar(Map.of("BOOT-INF/lib/lib.jar", jar(Map.of("io/example/A.class", "old"))));
    Path first = WorkerClasspath.pathOf(nested, dir.resolve("cache"));
    byte[] rebuilt = jar(Map.of("io/example/A.class", "new"));
    fatJar(Map.of("BOOT-INF/lib/lib.jar", rebuilt));

    Path second = WorkerClasspath.pathOf(nested, dir.resolve("cache"));

    assertThat(second).isNotEqualTo(first);
    assertThat(Files.readAllBytes(second)).isEqualTo(rebuilt);
  }

  @Test
  void aLocationThatIsNoFileSaysWhatToDo() throws Exception {
    assertThatThrownBy(() -> WorkerClasspath.pathOf(new URL("http://example.com/lib.jar"), dir))
        .isInstanceOf(SvgRenderException.class)
        .hasMessage("render worker can't start: can't turn the library's location http://example.com/lib.jar into a "
            + "file for the worker's classpath (not a file or a jar); to render in this JVM instead (no worker "
            + "processes), build IntroSvg with renderInProcess(); see docs/library.md");
  }

  @Test
  void theWorkerClasspathNamesWhereTheRenderClassesJsvgAndSlf4jCameFrom() throws Exception {
    String classpath = WorkerClasspath.forWorker();

    assertThat(classpath.split(java.io.File.pathSeparator)).containsExactly(
        Path.of(RenderWorker.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
        Path.of(com.github.weisj.jsvg.SVGDocument.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
        Path.of(org.slf4j.LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
  }

  /** A URL as Spring Boot's own {@code jar:} handler makes them; the JDK's refuses {@code nested:} inside. */
  private static URL springBootUrl(String spec) throws IOException {
    return new URL(null, spec, new URLStreamHandler() {
      @Override
      protected URLConnection openConnection(URL url) {
        throw new UnsupportedOperationException("only the location's text is used");
      }
    });
  }

  private static byte[] jar(Map<String, String> files) throws IOException {
    var bytes = new java.io.ByteArrayOutputStream();
    try (JarOutputStream zip = new JarOutputStream(bytes)) {
      for (var file : files.entrySet()) {
        zip.putNextEntry(new JarEntry(file.getKey()));
        zip.write(file.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  /** {@code dir/app.jar} with the given entries stored uncompressed, as Spring Boot stores its nested jars. */
  private Path fatJar(Map<String, byte[]> entries) throws IOException {
    Path app = dir.resolve("app.jar");
    try (OutputStream out = Files.newOutputStream(app); JarOutputStream zip = new JarOutputStream(out)) {
      for (var entry : entries.entrySet()) {
        JarEntry stored = new JarEntry(entry.getKey());
        stored.setMethod(ZipEntry.STORED);
        stored.setSize(entry.getValue().length);
        CRC32 crc = new CRC32();
        crc.update(entry.getValue());
        stored.setCrc(crc.getValue());
        zip.putNextEntry(stored);
        zip.write(entry.getValue());
        zip.closeEntry();
      }
    }
    return app;
  }
}
