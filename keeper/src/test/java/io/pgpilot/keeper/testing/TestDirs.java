package io.pgpilot.keeper.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/** Test directories PostgreSQL's OS user can traverse, and free ports. */
public final class TestDirs {

    private TestDirs() {
    }

    public static Path create(String what) {
        try {
            Path dir = Path.of("/tmp", "pgpilot-tests-keeper-" + what + "-" + UUID.randomUUID().toString().substring(0, 8));
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void delete(Path dir) {
        // -Dpgpilot.keepTestDirs=true keeps logs and data directories for a post-mortem.
        if (dir == null || !Files.exists(dir) || Boolean.getBoolean("pgpilot.keepTestDirs")) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
