package io.github.introsvg.internal.render;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;

/**
 * A host application in a child JVM whose {@code java.class.path} is only this class: it loads the library the
 * way {@code mvn exec:java} does ({@code urls JAR...}: a URLClassLoader over jar files) or the way Spring Boot
 * does ({@code nested APP.jar}: jars inside {@code BOOT-INF/lib/}, with {@code jar:nested:} code sources), then
 * renders one SVG through {@link IsolatedRenderer} and prints {@code PNG <bytes>}. Uses only the JDK itself.
 */
public final class ForeignHostLauncher {

  private ForeignHostLauncher() {}

  public static void main(String[] args) throws Exception {
    ClassLoader library;
    if (args[0].equals("urls")) {
      URL[] urls = new URL[args.length - 1];
      for (int i = 1; i < args.length; i++) urls[i - 1] = Path.of(args[i]).toUri().toURL();
      library = new URLClassLoader(urls, ForeignHostLauncher.class.getClassLoader());
    } else {
      library = new NestedJarLoader(Path.of(args[1]));
    }
    Thread.currentThread().setContextClassLoader(library);
    Class<?> renderer = library.loadClass("io.github.introsvg.internal.render.IsolatedRenderer");
    Object builder = renderer.getMethod("builder").invoke(null);
    builder.getClass().getMethod("workers", int.class).invoke(builder, 1);
    Object instance = builder.getClass().getMethod("build").invoke(builder);
    try {
      Method render = renderer.getMethod("renderPng", String.class);
      byte[] png = (byte[]) render.invoke(instance,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><rect width=\"5\" height=\"5\"/></svg>");
      System.out.println("PNG " + png.length + " " + (png[1] == 'P' && png[2] == 'N' && png[3] == 'G'));
    } finally {
      renderer.getMethod("close").invoke(instance);
    }
  }

  /** Defines classes from the jars in {@code BOOT-INF/lib/} of a fat jar, each with Spring Boot's code source. */
  private static final class NestedJarLoader extends ClassLoader {
    private final Map<String, byte[]> classes = new HashMap<>();
    private final Map<String, ProtectionDomain> domains = new HashMap<>();

    NestedJarLoader(Path app) throws IOException {
      super(ForeignHostLauncher.class.getClassLoader());
      try (JarFile fat = new JarFile(app.toFile())) {
        for (JarEntry nested : Collections.list(fat.entries())) {
          if (!nested.getName().startsWith("BOOT-INF/lib/") || !nested.getName().endsWith(".jar")) continue;
          URL location = new URL(null, "jar:nested:" + app.toUri().getRawPath() + "/!" + nested.getName() + "!/",
              new URLStreamHandler() {
                @Override
                protected URLConnection openConnection(URL url) throws IOException {
                  throw new IOException("this host never opens its own locations");
                }
              });
          ProtectionDomain domain = new ProtectionDomain(new CodeSource(location, (Certificate[]) null), null, this, null);
          try (InputStream in = fat.getInputStream(nested); JarInputStream jar = new JarInputStream(in)) {
            for (JarEntry entry; (entry = jar.getNextJarEntry()) != null; ) {
              if (!entry.getName().endsWith(".class") || entry.getName().contains("module-info")) continue;
              String name = entry.getName().substring(0, entry.getName().length() - 6).replace('/', '.');
              ByteArrayOutputStream bytes = new ByteArrayOutputStream();
              jar.transferTo(bytes);
              classes.put(name, bytes.toByteArray());
              domains.put(name, domain);
            }
          }
        }
      }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      byte[] bytes = classes.get(name);
      if (bytes == null) throw new ClassNotFoundException(name);
      return defineClass(name, bytes, 0, bytes.length, domains.get(name));
    }
  }
}
