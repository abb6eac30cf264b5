# The introsvg client as a container (used by deploy/k8s/client-job.yaml). From the repository root:
#   docker build -f deploy/client.Dockerfile -t introsvg-client:0.1.0 .
#   docker run --rm -v "$PWD:/work" introsvg-client:0.1.0 run prompts.csv -o out --server http://gpu-host:23333
# Small JRE base, runs as an unprivileged user (uid 10001). docs/operations.md says what was validated how.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -q dependency:go-offline
COPY src src
# The tests run in CI (.ci/run), not in the image build.
RUN ./mvnw -B -q package -DskipTests

FROM eclipse-temurin:17-jre-alpine
# Java2D (SVG rendering) needs fontconfig and a font for SVG text.
RUN apk add --no-cache fontconfig ttf-dejavu \
 && addgroup -S -g 10001 introsvg \
 && adduser -S -D -u 10001 -G introsvg -h /home/introsvg introsvg
COPY --from=build /src/target/introsvg-client.jar /opt/introsvg/introsvg-client.jar
USER 10001:10001
WORKDIR /work
# Render workers are separate JVMs (96 MB heap each, one per core): leave the main JVM room beside them.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-jar", "/opt/introsvg/introsvg-client.jar"]
CMD ["--help"]
