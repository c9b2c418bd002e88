package io.pgpilot.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One local API server process for a test class (a static {@code @RegisterExtension}): started before the
 * first test, stopped after the last, its files removed. Each test takes a namespace of its own on it
 * ({@link ApiServer#freshNamespace}).
 */
public final class ApiServerExtension implements BeforeAllCallback, AfterAllCallback {

    private Path dir;
    private ApiServer server;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("pgpilot-api-" + context.getRequiredTestClass().getSimpleName() + "-");
        server = ApiServer.start(dir);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (server != null) {
            server.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public ApiServer server() {
        return server;
    }

    /** A directory of the test class's own, for files its tests keep beside the server's. */
    public Path dir() {
        return dir;
    }
}
