package io.pgpilot.cli.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a local cluster keeps its files, under one directory (default {@code ./.pgpilot}). */
public record LocalLayout(Path dir) {

    public LocalLayout {
        dir = dir.toAbsolutePath().normalize();
    }

    public Path kubeconfig() {
        return dir.resolve("kubeconfig");
    }

    public Path pgpass() {
        return dir.resolve("pgpass");
    }

    public Path logs() {
        return dir.resolve("logs");
    }

    public Path log(String component) {
        return logs().resolve(component + ".log");
    }

    public Path secrets() {
        return dir.resolve("secrets");
    }

    public Path superuserPassword() {
        return secrets().resolve("superuser-password");
    }

    public Path replicationPassword() {
        return secrets().resolve("replication-password");
    }

    /** Data directories; may be a link to a place the postgres user can reach (see {@link DataRoot}). */
    public Path data() {
        return dir.resolve("data");
    }

    public Path dataDir(String keeper) {
        return data().resolve(keeper);
    }

    public Path supervisorPid() {
        return dir.resolve("supervisor.pid");
    }

    /** The API server's ConfigMaps and Leases, kept so that `down` then `up` resumes the cluster on its data. */
    public Path apiState() {
        return dir.resolve("api-state.json");
    }

    public Path apiAudit() {
        return logs().resolve("api-audit.log");
    }

    public void create() throws IOException {
        Files.createDirectories(logs());
        Files.createDirectories(secrets());
    }
}
