package io.github.introsvg.internal.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Render workers start in hosts whose {@code java.class.path} doesn't name the library: a class loader over jars
 * (as under {@code mvn exec:java}, Gradle's test workers, IDE runners) and jars nested in a fat jar (Spring Boot).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IsolatedRendererHostTest {

  @TempDir
  Path dir;

  @Test
  void rendersInAHostThatLoadsTheLibraryThroughItsOwnClassLoader() throws Exception {
    List<String> args = new ArrayList<>(List.of("urls"));
    for (Path jar : libraryJars()) args.add(jar.toString());

    assertThat(runHost(args)).isEqualTo("PNG " + pngLength() + " true");
    assertThat(dir.resolve("tmp")).isEmptyDirectory(); // plain jars are used where they are
  }

  @Test
  void rendersInAHostThatLoadsTheLibraryFromJarsNestedInAFatJar() throws Exception {
    Path app = dir.resolve("app.jar");
    try (OutputStream out = Files.newOutputStream(app); JarOutputStream zip = new JarOutputStream(out)) {
      for (Path jar : libraryJars()) storeUncompressed(zip, "BOOT-INF/lib/" + jar.getFileName(), Files.readAllBytes(jar));
    }

    assertThat(runHost(List.of("nested", app.toString()))).isEqualTo("PNG " + pngLength() + " true");
    try (Stream<Path> cached = Files.walk(dir.resolve("tmp"))) {
      assertThat(cached.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("introsvg-client.jar", "jsvg.jar", "slf4j-api.jar");
    }
  }

  /** Runs {@link ForeignHostLauncher} in a JVM whose classpath is that class alone; its stdout, trimmed. */
  private String runHost(List<String> args) throws Exception {
    Path launcher = dir.resolve("launcher");
    for (Class<?> type : List.of(ForeignHostLauncher.class, Class.forName(ForeignHostLauncher.class.getName() + "$NestedJarLoader"),
        Class.forName(ForeignHostLauncher.class.getName() + "$NestedJarLoader$1"))) {
      String entry = type.getName().replace('.', '/') + ".class";
      Path file = launcher.resolve(entry);
      Files.createDirectories(file.getParent());
      try (InputStream in = type.getClassLoader().getResourceAsStream(entry)) {
        Files.write(file, in.readAllBytes());
      }
    }
    Files.createDirectories(dir.resolve("tmp"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.io.tmpdir=" + dir.resolve("tmp"), "-cp", launcher.toString(), ForeignHostLauncher.class.getName()));
    command.addAll(args);
    Process host = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(host.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(host.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(host.exitValue()).as(output).isZero();
    return output.lines().filter(line -> line.startsWith("PNG ")).findFirst().orElse(output);
  }

  /** The library (target/classes as a jar), JSVG and SLF4J's API, copied under names of their own. */
  private List<Path> libraryJars() throws IOException, URISyntaxException {
    Path lib = Files.createDirectories(dir.resolve("lib"));
    Path classes = Path.of(RenderWorker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path library = lib.resolve("introsvg-client.jar");
    try (OutputStream out = Files.newOutputStream(library); JarOutputStream zip = new JarOutputStream(out);
        Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        zip.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
        Files.copy(file, zip);
        zip.closeEntry();
      }
    }
    Path jsvg = Files.copy(Path.of(com.github.weisj.jsvg.SVGDocument.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
        lib.resolve("jsvg.jar"));
    Path slf4j = Files.copy(Path.of(org.slf4j.LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
        lib.resolve("slf4j-api.jar"));
    return List.of(library, jsvg, slf4j);
  }

  private static int pngLength() {
    return new JsvgRenderer().renderPng(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><rect width=\"5\" height=\"5\"/></svg>").length;
  }

  private static void storeUncompressed(JarOutputStream zip, String name, byte[] bytes) throws IOException {
    JarEntry entry = new JarEntry(name);
    entry.setMethod(ZipEntry.STORED);
    entry.setSize(bytes.length);
    CRC32 crc = new CRC32();
    crc.update(bytes);
    entry.setCrc(crc.getValue());
    zip.putNextEntry(entry);
    zip.write(bytes);
    zip.closeEntry();
  }
}
