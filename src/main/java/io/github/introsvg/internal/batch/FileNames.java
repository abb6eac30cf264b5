package io.github.introsvg.internal.batch;

import io.github.introsvg.internal.Digests;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns CSV ids into file names that are safe on every OS and unique within a run, even on
 * case-insensitive file systems. Ids are never used raw as paths.
 */
final class FileNames {

  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  private static final Pattern UNSAFE_CHARS = Pattern.compile("[^A-Za-z0-9._-]+");
  private static final Pattern WINDOWS_RESERVED = Pattern.compile("(?i)(con|prn|aux|nul|com\\d|lpt\\d)(\\..*)?");

  private final Set<String> taken = new HashSet<>();

  static boolean isSafe(String id) {
    return SAFE.matcher(id).matches() && !id.endsWith(".") && !WINDOWS_RESERVED.matcher(id).matches();
  }

  /** A name for {@code id} not handed out before by this instance; the id itself when it is safe and free. */
  String assign(String id) {
    String name = isSafe(id) ? id : readable(id) + "-" + digest(id, 10);
    if (!taken.add(name.toLowerCase(Locale.ROOT))) {
      name = readable(id) + "-" + digest(id, 16);
      for (int n = 2; !taken.add(name.toLowerCase(Locale.ROOT)); n++) {
        name = readable(id) + "-" + digest(id, 16) + "-" + n;
      }
    }
    return name;
  }

  private static String readable(String id) {
    String s = UNSAFE_CHARS.matcher(id).replaceAll("_").replaceAll("^[._-]+", "");
    s = s.length() > 60 ? s.substring(0, 60) : s;
    return s.isEmpty() ? "id" : s;
  }

  private static String digest(String id, int hexChars) {
    return Digests.sha256Hex(id.getBytes(StandardCharsets.UTF_8)).substring(0, hexChars);
  }
}
