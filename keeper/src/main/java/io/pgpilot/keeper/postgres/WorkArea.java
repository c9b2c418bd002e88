package io.pgpilot.keeper.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.stream.Stream;

/**
 * The keeper's directory ({@code --data-dir}): PostgreSQL's data directory {@code pgdata} and, next to it,
 * what the keeper owns: the configuration it writes, the socket directory, the password files and the
 * PostgreSQL log. Everything belongs to the PostgreSQL OS user with mode 700/600.
 *
 * @param runAs the OS user owning the files, or null when the keeper runs as that user itself
 */
public record WorkArea(Path root, String runAs) {

    public Path pgdata() {
        return root.resolve("pgdata");
    }

    /** Where pg_basebackup writes; moved to {@link #pgdata()} only when complete, so a failed clone leaves no half data directory. */
    public Path cloneTarget() {
        return root.resolve("pgdata.clone");
    }

    public Path confDir() {
        return root.resolve("conf");
    }

    public Path postgresqlConf() {
        return confDir().resolve("postgresql.conf");
    }

    public Path pgHba() {
        return confDir().resolve("pg_hba.conf");
    }

    public Path socketDir() {
        return root.resolve("run");
    }

    public Path secretsDir() {
        return root.resolve("secrets");
    }

    /** The libpq password file used by pg_basebackup, pg_rewind and primary_conninfo. */
    public Path passfile() {
        return secretsDir().resolve("pgpass");
    }

    public Path postgresLog() {
        return root.resolve("postgresql.log");
    }

    /** Records the generation of a reinit decision already carried out, so it is carried out once. */
    public Path reinitMarker() {
        return root.resolve("reinit-generation");
    }

    /** The highest C-state epoch and generation this member has read ({@code io.pgpilot.keeper.member.HighWaterMarks}). */
    public Path highWaterMarks() {
        return root.resolve("cluster-seen");
    }

    /** The fence watchdog's deadline, which the keeper keeps moving on while it renews ({@code FenceWatchdogProcess}). */
    public Path fenceDeadline() {
        return socketDir().resolve("fence-deadline");
    }

    public Path standbySignal() {
        return pgdata().resolve("standby.signal");
    }

    /** True when there is no data directory yet (absent, or an empty directory). */
    public boolean pgdataEmpty() {
        Path pgdata = pgdata();
        if (!Files.isDirectory(pgdata)) {
            return !Files.exists(pgdata);
        }
        try (Stream<Path> entries = Files.list(pgdata)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    public boolean isStandbyData() {
        return Files.exists(standbySignal());
    }

    /** Creates the keeper's directories (never touching pgdata's contents), owned by the PostgreSQL user. */
    public void prepare() throws IOException {
        for (Path dir : new Path[] {root, confDir(), socketDir(), secretsDir()}) {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
            }
            own(dir, "rwx------");
        }
        if (!Files.exists(postgresLog())) {
            Files.createFile(postgresLog());
        }
        own(postgresLog(), "rw-------");
    }

    /** Writes a file only the PostgreSQL user can read, atomically. */
    public void writePrivate(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, content);
        own(tmp, "rw-------");
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public void own(Path path, String mode) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        if (runAs != null) {
            UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
            PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            UserPrincipal user = lookup.lookupPrincipalByName(runAs);
            view.setOwner(user);
            try {
                GroupPrincipal group = lookup.lookupPrincipalByGroupName(runAs);
                view.setGroup(group);
            } catch (IOException noSuchGroup) {
                // The user's primary group need not share its name; the owner is what PostgreSQL checks.
            }
        }
    }

    /** The owner of {@code path}, for start-up checks. */
    public static String ownerOf(Path path) throws IOException {
        return Files.getOwner(path, LinkOption.NOFOLLOW_LINKS).getName();
    }

    /** Removes a directory tree; only called for the clone scratch area or under a recorded reinit decision. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
