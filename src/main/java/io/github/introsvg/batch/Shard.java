package io.github.introsvg.batch;

import io.github.introsvg.internal.Digests;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A stable share of a prompt list: shard {@code index} of {@code count} (1-based) takes the prompts whose id
 * hashes to it, so N machines given the same CSV split it without talking to each other, each into its own OUT.
 * The hash is SHA-256 of the id's UTF-8 bytes: the same on every machine, JVM and run.
 */
public record Shard(int index, int count) {

  /** Every prompt. */
  public static final Shard ALL = new Shard(1, 1);

  public Shard {
    if (count < 1 || index < 1 || index > count) {
      throw new IllegalArgumentException("shard must be I/N with 1 <= I <= N, not " + index + "/" + count);
    }
  }

  /** Parses {@code "I/N"}, e.g. {@code "2/4"}. */
  public static Shard parse(String text) {
    String[] parts = text.strip().split("/", -1);
    try {
      if (parts.length == 2) return new Shard(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException("shard must be I/N with 1 <= I <= N (e.g. 2/4), not \"" + text + "\"");
  }

  /** Whether the prompt with this id belongs to this shard. */
  public boolean takes(String id) {
    byte[] digest = Digests.sha256(id.getBytes(StandardCharsets.UTF_8));
    return Math.floorMod(ByteBuffer.wrap(digest).getLong(), (long) count) == index - 1;
  }

  @Override
  public String toString() {
    return index + "/" + count;
  }
}
