package io.github.introsvg.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * deploy/ as far as this machine can check it without a cluster or a Docker engine: every YAML file
 * parses, the manifests say what docs/operations.md promises (one GPU per replica, readiness on /health,
 * an Indexed Job with one shard per pod, the pinned image everywhere), and the schema check of
 * deploy/validate passes.
 */
class DeployManifestsTest {

  private static final Path DEPLOY = Path.of("deploy");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern PINNED = Pattern.compile("(?m)^readonly PINNED_IMAGE=(\\S+)$");

  @Test
  @Timeout(30)
  void everyYamlFileParses() throws IOException {
    List<Path> files = yamlFiles();

    assertThat(files).hasSizeGreaterThanOrEqualTo(7);
    for (Path file : files) assertThat(documents(file)).as(file.toString()).isNotEmpty();
  }

  @Test
  @Timeout(30)
  void everyLmdeployReplicaHasOneGpuAndIsReadyOnlyWhenHealthy() throws IOException {
    List<JsonNode> deployments = kind(documents(DEPLOY.resolve("k8s/lmdeploy.yaml")), "Deployment");

    assertThat(deployments).hasSize(4);
    for (int i = 0; i < deployments.size(); i++) {
      JsonNode deployment = deployments.get(i);
      JsonNode container = deployment.at("/spec/template/spec/containers/0");
      assertThat(deployment.at("/metadata/name").asText()).isEqualTo("lmdeploy-" + i);
      assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(1);
      assertThat(container.at("/resources/limits/nvidia.com~1gpu").asInt()).isEqualTo(1);
      assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health");
      assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/health");
      assertThat(container.at("/image").asText()).isEqualTo(pinnedImage());
      assertThat(container.at("/args").toString()).contains("--tp=1", "--session-len=16384", "--server-port=23333");
    }
    // Copies of one block: they differ in the replica number only.
    for (JsonNode deployment : deployments) {
      assertThat(withoutReplicaNumber(deployment)).isEqualTo(withoutReplicaNumber(deployments.get(0)));
    }
    JsonNode service = kind(documents(DEPLOY.resolve("k8s/lmdeploy.yaml")), "Service").get(0);
    assertThat(service.at("/spec/selector/app.kubernetes.io~1name").asText())
        .isEqualTo(deployments.get(0).at("/spec/template/metadata/labels/app.kubernetes.io~1name").asText());
    assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(23333);
  }

  @Test
  @Timeout(30)
  void clientJobRunsOneShardPerIndexAgainstTheService() throws IOException {
    JsonNode job = kind(documents(DEPLOY.resolve("k8s/client-job.yaml")), "Job").get(0);
    JsonNode pod = job.at("/spec/template/spec");
    JsonNode container = pod.at("/containers/0");
    List<String> command = new ArrayList<>();
    container.at("/command").forEach(arg -> command.add(arg.asText()));
    String script = container.at("/args/0").asText();
    int completions = job.at("/spec/completions").asInt();

    assertThat(job.at("/spec/completionMode").asText()).isEqualTo("Indexed");
    assertThat(job.at("/spec/parallelism").asInt()).isEqualTo(completions);
    assertThat(command).containsExactly("/bin/sh", "-c");
    // --shard counts from 1; the completion index from 0
    assertThat(script).contains("--shard $((JOB_COMPLETION_INDEX + 1))/" + completions)
        .contains("--server http://lmdeploy:23333")
        .contains("-o /results/shard-$((JOB_COMPLETION_INDEX + 1))")
        .startsWith("exec java ").contains("-jar /opt/introsvg/introsvg-client.jar run ");
    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.at("/volumes").findValuesAsText("name")).contains("introsvg-prompts");
    assertThat(pod.at("/volumes").findValuesAsText("claimName")).contains("introsvg-results");
  }

  @Test
  @Timeout(30)
  void promptsConfigMapHoldsTheExamplePrompts() throws IOException {
    JsonNode configMap = documents(DEPLOY.resolve("k8s/prompts-configmap.yaml")).get(0);

    assertThat(configMap.at("/data/prompts.csv").asText()).isEqualTo(Files.readString(Path.of("example/prompts.csv")));
  }

  @Test
  @Timeout(30)
  void composeReplicasGiveEachServerItsOwnGpuAndPortAndThePinnedImage() throws IOException {
    JsonNode services = documents(DEPLOY.resolve("compose.replicas.yaml")).get(0).get("services");

    assertThat(services.get("proxy").get("image").asText()).isEqualTo(pinnedImage());
    for (int i = 0; i < 4; i++) {
      JsonNode server = services.get("lmdeploy-" + i);
      assertThat(server.get("image").asText()).isEqualTo(pinnedImage());
      assertThat(server.at("/deploy/resources/reservations/devices/0/device_ids/0").asText()).isEqualTo(Integer.toString(i));
      assertThat(server.at("/ports/0").asText()).isEqualTo((23333 + i) + ":" + (23333 + i));
      assertThat(server.get("command").toString()).contains("--server-port=" + (23333 + i), "--proxy-url=http://proxy:8000");
    }
    assertThat(documents(DEPLOY.resolve("compose.yaml")).get(0).at("/services/lmdeploy/image").asText()).isEqualTo(pinnedImage());
  }

  @Test
  @Timeout(30)
  void clientImageRunsAsAnUnprivilegedUser() throws IOException {
    List<String> lines = Files.readAllLines(DEPLOY.resolve("client.Dockerfile"));

    assertThat(lines).filteredOn(line -> line.startsWith("FROM ")).last().asString().contains("-jre");
    assertThat(lines).filteredOn(line -> line.startsWith("USER ")).last().asString().isEqualTo("USER 10001:10001");
  }

  /** The JSON-schema check (deploy/validate/validate.mjs): run after `npm ci --prefix deploy/validate`. */
  @Test
  @Timeout(120)
  void schemasOfKubernetesAndComposeAccept() throws Exception {
    boolean installed = Files.isDirectory(DEPLOY.resolve("validate/node_modules"));
    if (!installed) {
      assertThat(System.getenv("CI")).as("CI installs the validator (.ci/run: npm ci --prefix deploy/validate)").isNotEqualTo("true");
      assumeTrue(false, "deploy/validate is not installed (npm ci --prefix deploy/validate); skipping the schema check");
    }
    Process node = new ProcessBuilder("node", "deploy/validate/validate.mjs").redirectErrorStream(true).start();
    node.getOutputStream().close();
    String report = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(node.exitValue()).as(report).isZero();
    assertThat(report).contains("deploy/: every file valid");
  }

  private static String pinnedImage() throws IOException {
    Matcher matcher = PINNED.matcher(Files.readString(Path.of("lmdeploy-launch.sh")));
    assertThat(matcher.find()).as("PINNED_IMAGE in lmdeploy-launch.sh").isTrue();
    return matcher.group(1);
  }

  private static List<Path> yamlFiles() throws IOException {
    try (Stream<Path> files = Files.walk(DEPLOY)) {
      return files.filter(f -> f.toString().endsWith(".yaml") && !f.toString().contains("node_modules")).sorted().toList();
    }
  }

  private static List<JsonNode> documents(Path file) throws IOException {
    try (var parser = YAML.getFactory().createParser(file.toFile())) {
      List<JsonNode> documents = new ArrayList<>();
      YAML.readValues(parser, JsonNode.class).forEachRemaining(doc -> {
        if (doc != null && !doc.isMissingNode() && !doc.isNull()) documents.add(doc);
      });
      return documents;
    }
  }

  private static List<JsonNode> kind(List<JsonNode> documents, String kind) {
    return documents.stream().filter(doc -> doc.path("kind").asText().equals(kind)).toList();
  }

  private static String withoutReplicaNumber(JsonNode deployment) {
    ObjectNode copy = deployment.deepCopy();
    return copy.toString().replaceAll("lmdeploy-\\d+", "lmdeploy-N").replaceAll("\"introsvg/replica\":\"\\d+\"", "\"introsvg/replica\":\"N\"");
  }
}
