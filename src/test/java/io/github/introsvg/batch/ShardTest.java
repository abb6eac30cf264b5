package io.github.introsvg.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.introsvg.internal.batch.PromptCsv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardTest {

  @TempDir Path dir;

  @Test
  void parsesIOverNAndRefusesAnythingElse() {
    assertThat(Shard.parse("2/4")).isEqualTo(new Shard(2, 4));
    assertThat(Shard.parse(" 1 / 1 ")).isEqualTo(Shard.ALL);
    for (String bad : new String[] {"0/4", "5/4", "1/0", "a/b", "2", "1/2/3", ""}) {
      assertThatThrownBy(() -> Shard.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("I/N");
    }
  }

  @Test
  void fourShardsTakeEveryRowExactlyOnceAndEachItsOwnProblems() throws Exception {
    StringBuilder csv = new StringBuilder("id,desc\n");
    for (int i = 0; i < 200; i++) csv.append("icon-").append(i).append(",thing ").append(i).append('\n');
    csv.append(",no id\nempty,\n");
    PromptCsv.Contents all = PromptCsv.read(Files.writeString(dir.resolve("p.csv"), csv));

    List<String> taken = new ArrayList<>();
    Set<String> identities = new HashSet<>();
    int problems = 0;
    for (int i = 1; i <= 4; i++) {
      PromptCsv.Contents share = all.shard(new Shard(i, 4));
      share.rows().forEach(r -> taken.add(r.id()));
      identities.add(share.sha256());
      problems += share.problems().size();
      assertThat(share.rows().size()).as("shard %d of 200 rows", i).isBetween(30, 70);
    }

    assertThat(taken).hasSize(200).doesNotHaveDuplicates();
    assertThat(problems).isEqualTo(all.problems().size());
    assertThat(identities).hasSize(4).doesNotContain(all.sha256());
    assertThat(all.shard(Shard.ALL)).isSameAs(all);
  }

  @Test
  void theShareOfAnIdIsTheSameEverywhere() {
    // SHA-256 of the UTF-8 id: fixed across JVMs and machines, so these never change
    assertThat(new Shard(1, 4).takes("apple") || new Shard(2, 4).takes("apple") || new Shard(3, 4).takes("apple")
        || new Shard(4, 4).takes("apple")).isTrue();
    int share = 0;
    for (int i = 1; i <= 4; i++) if (new Shard(i, 4).takes("icône-日本-03")) share = i;
    assertThat(share).isBetween(1, 4);
    for (int i = 1; i <= 4; i++) assertThat(new Shard(i, 4).takes("icône-日本-03")).isEqualTo(i == share);
  }
}
