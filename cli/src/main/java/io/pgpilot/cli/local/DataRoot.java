package io.pgpilot.cli.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * Where keepers' data directories really live. Run as root, the keepers run PostgreSQL as the postgres
 * user, which must be able to walk every directory above its data. When the local directory sits below one
 * it cannot enter (a home directory with mode 700), the data goes to {@code /var/tmp/pgpilot/<hash>} and
 * {@code <dir>/data} becomes a link to it, rather than loosening the permissions of the user's directories.
 */
final class DataRoot {

    private DataRoot() {
    }

    static Path prepare(LocalLayout layout) throws IOException {
        Path data = layout.data();
        if (Files.isSymbolicLink(data) || Files.isDirectory(data)) {
            return data.toRealPath();
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root || traversableByOthers(layout.dir())) {
            Files.createDirectories(data);
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
            return data.toRealPath();
        }
        Path elsewhere = Path.of("/var/tmp/pgpilot", shortHash(layout.dir().toString()), "data");
        Files.createDirectories(elsewhere);
        for (Path p = elsewhere; p != null && p.startsWith("/var/tmp/pgpilot"); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.createSymbolicLink(data, elsewhere);
        return elsewhere;
    }

    private static boolean traversableByOthers(Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String shortHash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
