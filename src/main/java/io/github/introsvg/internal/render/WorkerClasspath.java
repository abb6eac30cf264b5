package io.github.introsvg.internal.render;

import io.github.introsvg.internal.Digests;
import io.github.introsvg.render.SvgRenderException.Reason;
import io.github.introsvg.render.SvgRenderException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * The {@code -cp} of a render worker: where the classes it needs really came from (their code sources), not
 * this JVM's {@code java.class.path}, which under {@code mvn exec:java}, application servers, IDE and Gradle test
 * runners names something else. A jar nested in another jar (Spring Boot's {@code jar:nested:} and
 * {@code jar:file:...!/...!/} locations) is extracted once to a private cache folder under {@code java.io.tmpdir}.
 */
final class WorkerClasspath {

  /** What a worker loads: {@link RenderWorker} and the render package, JSVG, SLF4J's API (JsvgRenderer logs). */
  static final List<String> WORKER_CLASSES = List.of(
      "io.github.introsvg.internal.render.RenderWorker", "com.github.weisj.jsvg.SVGDocument", "org.slf4j.LoggerFactory");

  static final String FIX = "to render in this JVM instead (no worker processes), build IntroSvg with "
      + "renderInProcess(); see docs/library.md";

  private WorkerClasspath() {}

  /** The worker's classpath, as seen from {@link RenderWorker}'s class loader, with nested jars cached under tmp. */
  static String forWorker() {
    Path cacheRoot = Path.of(System.getProperty("java.io.tmpdir"));
    Set<String> entries = new LinkedHashSet<>();
    for (String name : WORKER_CLASSES) {
      Class<?> type;
      try {
        type = Class.forName(name, false, RenderWorker.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new SvgRenderException(Reason.FAILED, "render worker can't start: " + name + " is not visible to "
            + "the library's class loader; " + FIX, e);
      }
      entries.add(pathOf(location(type), cacheRoot).toString());
    }
    return String.join(File.pathSeparator, entries);
  }

  private static URL location(Class<?> type) {
    CodeSource source = type.getProtectionDomain().getCodeSource();
    if (source == null || source.getLocation() == null) {
      throw new SvgRenderException(Reason.FAILED, "render worker can't start: " + type.getName()
          + " has no code source, so there is no file to give the worker; " + FIX);
    }
    return source.getLocation();
  }

  /**
   * A file or directory a child JVM can put on its {@code -cp} for classes loaded from {@code location}: the
   * location itself when it is a file, else the nested jar or directory extracted under {@code cacheRoot}.
   */
  static Path pathOf(URL location, Path cacheRoot) {
    String url = location.toString();
    try {
      if (url.startsWith("file:")) {
        try {
          return Path.of(location.toURI());
        } catch (URISyntaxException unescaped) { // some class loaders leave spaces unescaped: the path is literal
          return Path.of(location.getPath());
        }
      }
      if (url.startsWith("jar:")) {
        return fromJarUrl(url.substring("jar:".length()), cacheRoot);
      }
    } catch (URISyntaxException | IllegalArgumentException | IOException e) {
      throw unusable(url, e.toString(), e);
    }
    throw unusable(url, "not a file or a jar", null);
  }

  private static Path fromJarUrl(String url, Path cacheRoot) throws URISyntaxException, IOException {
    String rest = url.endsWith("!/") ? url.substring(0, url.length() - 2) : url;
    String outer;
    String entry;
    if (rest.startsWith("nested:")) { // Spring Boot 3.2+: nested:/path/app.jar/!BOOT-INF/lib/x.jar
      int bang = rest.indexOf("/!");
      if (bang < 0) throw unusable(url, "no /! in a nested: location", null);
      outer = "file://" + rest.substring("nested:".length(), bang);
      entry = rest.substring(bang + 2);
    } else { // the JDK's and Spring Boot's older form: file:/path/app.jar!/BOOT-INF/lib/x.jar
      int bang = rest.indexOf("!/");
      outer = bang < 0 ? rest : rest.substring(0, bang);
      entry = bang < 0 ? "" : rest.substring(bang + 2);
    }
    if (!outer.startsWith("file:")) throw unusable(url, "the outer jar is not a file", null);
    Path outerJar = Path.of(new URI(outer));
    if (entry.isEmpty()) {
      return outerJar; // jar:file:/x.jar!/ is a plain jar
    }
    if (entry.contains("!/")) throw unusable(url, "jars nested more than one level deep", null);
    return extract(outerJar, entry, cacheRoot);
  }

  /** Copies {@code entry} (a jar, or a directory such as {@code BOOT-INF/classes/}) out of {@code outerJar}, once. */
  private static Path extract(Path outerJar, String entry, Path cacheRoot) throws IOException {
    try (JarFile jar = new JarFile(outerJar.toFile())) {
      String prefix = entry.endsWith("/") ? entry : entry + "/";
      JarEntry single = jar.getJarEntry(entry);
      boolean directory = single == null || single.isDirectory();
      List<JarEntry> members = new ArrayList<>();
      if (directory) {
        for (JarEntry candidate : Collections.list(jar.entries())) {
          if (candidate.getName().startsWith(prefix) && !candidate.isDirectory()) members.add(candidate);
        }
        if (members.isEmpty()) throw new IOException(entry + " not found in " + outerJar);
      } else {
        members.add(single);
      }
      // Named by what is inside (names, sizes, CRCs from the central directory), so a rebuilt app gets a new copy.
      Path folder = privateFolder(cacheRoot.resolve("introsvg-client-" + version() + "-" + digest(members)));
      String base = Path.of(directory ? prefix.substring(0, prefix.length() - 1) : entry).getFileName().toString();
      Path target = folder.resolve(directory ? base + ".jar" : base);
      if (Files.isRegularFile(target)) {
        return target;
      }
      Path partial = Files.createTempFile(folder, base, ".partial");
      try {
        try (OutputStream out = Files.newOutputStream(partial)) {
          if (directory) {
            try (JarOutputStream zip = new JarOutputStream(out)) {
              for (JarEntry member : members) {
                zip.putNextEntry(new JarEntry(member.getName().substring(prefix.length())));
                try (InputStream in = jar.getInputStream(member)) {
                  in.transferTo(zip);
                }
                zip.closeEntry();
              }
            }
          } else {
            try (InputStream in = jar.getInputStream(single)) {
              in.transferTo(out);
            }
          }
        }
        try { // readers see either no file or a whole one; a concurrent extractor's identical copy may win
          Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(partial);
      }
      return target;
    }
  }

  /** {@code folder}, created owner-only; refused when someone else could have put classes in it. */
  private static Path privateFolder(Path folder) throws IOException {
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    if (posix) {
      Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(folder);
      String me = System.getProperty("user.name");
      if (!Files.getOwner(folder).getName().equals(me)
          || permissions.contains(PosixFilePermission.GROUP_WRITE) || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
        throw new IOException(folder + " is not a folder only " + me + " can write to");
      }
    } else {
      Files.createDirectories(folder);
    }
    return folder;
  }

  private static String digest(List<JarEntry> members) {
    MessageDigest sha = Digests.sha256();
    for (JarEntry member : members) {
      sha.update((member.getName() + "\0" + member.getSize() + "\0" + member.getCrc() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(sha.digest(), 0, 8);
  }

  private static String version() {
    String version = WorkerClasspath.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  private static SvgRenderException unusable(String location, String why, Exception cause) {
    return new SvgRenderException(Reason.FAILED, "render worker can't start: can't turn the library's location "
        + location + " into a file for the worker's classpath (" + why + "); " + FIX, cause);
  }
}
