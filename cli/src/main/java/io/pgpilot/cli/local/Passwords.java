package io.pgpilot.cli.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/** Generated PostgreSQL passwords in files only their owner can read; never printed, never on a command line. */
final class Passwords {

    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Passwords() {
    }

    /** The password in {@code file}, generated and written (mode 600) when the file does not exist yet. */
    static String ensure(Path file) throws IOException {
        if (Files.exists(file)) {
            return Files.readString(file).trim();
        }
        StringBuilder password = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            password.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, password.toString());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return password.toString();
    }

    /** A pgpass file for the proxy's two ports, so psql connects without a prompt. */
    static void writePgpass(Path file, LocalConfig config, String superuserPassword) throws IOException {
        String text = "127.0.0.1:" + config.rwPort() + ":*:postgres:" + superuserPassword + "\n"
                + "127.0.0.1:" + config.roPort() + ":*:postgres:" + superuserPassword + "\n"
                + "localhost:" + config.rwPort() + ":*:postgres:" + superuserPassword + "\n"
                + "localhost:" + config.roPort() + ":*:postgres:" + superuserPassword + "\n";
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
}
