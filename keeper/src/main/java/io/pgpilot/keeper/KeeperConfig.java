package io.pgpilot.keeper;

import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.config.KubeAccess;
import io.pgpilot.config.Settings;
import io.pgpilot.keeper.postgres.Passwords;
import io.pgpilot.keeper.postgres.PostgresCommands;
import io.pgpilot.keeper.postgres.WorkArea;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Map;
import java.util.Set;

/**
 * The keeper's settings, from flags or PGPILOT_* environment variables, checked at start so that a keeper
 * that cannot work says everything that is wrong at once and touches nothing.
 *
 * @param runAs the OS user PostgreSQL runs as; null when the keeper is not root (it then runs PostgreSQL itself)
 */
public record KeeperConfig(
        KubeAccess kube,
        String name,
        Path dataDir,
        Path pgBinDir,
        String pgListenHost,
        int pgPort,
        String advertiseHost,
        String httpHost,
        int httpPort,
        String runAs,
        Passwords passwords,
        int priority,
        boolean noFailover) {

    public static final Path DEFAULT_BIN_DIR = Path.of("/usr/lib/postgresql/15/bin");

    /** @throws Settings.BadSettingsException listing every problem */
    public static KeeperConfig parse(String[] args, Map<String, String> env) {
        Settings settings = Settings.parse("keeper", args, env, Set.of("no-failover"));
        KubeAccess kube = KubeAccess.from(settings);
        String name = settings.required("name", "this keeper's name (its pod's name), unique in the cluster");
        if (name != null) {
            try {
                ObjectNames.checkKeeperName(name);
            } catch (IllegalArgumentException e) {
                settings.problem("--name: " + e.getMessage());
            }
        }
        Path dataDir = settings.requiredPath("data-dir", "the keeper's directory on its volume; PostgreSQL's data directory is <data-dir>/pgdata");
        Path binDir = settings.path("pg-bin-dir", DEFAULT_BIN_DIR);
        String listenHost = settings.string("pg-listen-host", "127.0.0.1");
        int pgPort = settings.port("pg-port", 5432);
        String advertiseHost = settings.string("advertise-host", "127.0.0.1");
        String httpHost = settings.string("http-host", "127.0.0.1");
        int httpPort = settings.port("http-port", 8008);
        String runAsFlag = settings.string("run-as", "postgres");
        int priority = settings.integer("priority", 0, -1000, 1000);
        boolean noFailover = settings.flag("no-failover");
        String superuser = secret(settings, env, "superuser-password-file", "PGPILOT_SUPERUSER_PASSWORD", "the PostgreSQL superuser's password");
        String replication = secret(settings, env, "replication-password-file", "PGPILOT_REPLICATION_PASSWORD", "the replication user's password");

        boolean root = "root".equals(System.getProperty("user.name"));
        String runAs = root ? runAsFlag : null;
        if (root) {
            try {
                Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(runAsFlag);
            } catch (UserPrincipalNotFoundException e) {
                settings.problem("--run-as " + runAsFlag + ": no such OS user; PostgreSQL refuses to run as root, so name the user it runs as (usually postgres)");
            } catch (IOException e) {
                settings.problem("--run-as " + runAsFlag + ": cannot look the user up: " + e.getMessage());
            }
        }
        checkBinaries(settings, binDir);
        if (dataDir != null) {
            checkDataDir(settings, dataDir, root ? runAsFlag : System.getProperty("user.name"));
        }
        settings.finish();
        return new KeeperConfig(kube, name, dataDir, binDir, listenHost, pgPort, advertiseHost, httpHost, httpPort, runAs,
                new Passwords(superuser, replication), priority, noFailover);
    }

    public WorkArea workArea() {
        return new WorkArea(dataDir, runAs);
    }

    public PostgresCommands commands() {
        return new PostgresCommands(pgBinDir, runAs);
    }

    /** Where the keeper itself connects to its PostgreSQL. */
    public String localHost() {
        return pgListenHost.equals("0.0.0.0") || pgListenHost.equals("*") || pgListenHost.equals("::") ? "127.0.0.1" : pgListenHost.split(",")[0].trim();
    }

    private static String secret(Settings settings, Map<String, String> env, String fileFlag, String envName, String meaning) {
        Path file = settings.path(fileFlag, null);
        if (file != null) {
            try {
                String value = Files.readString(file).strip();
                if (value.isEmpty()) {
                    settings.problem("--" + fileFlag + " " + file + " is empty: it must hold " + meaning);
                    return null;
                }
                return value;
            } catch (IOException e) {
                settings.problem("--" + fileFlag + " " + file + " cannot be read (" + e.getMessage() + "): it must hold " + meaning);
                return null;
            }
        }
        String value = env.get(envName);
        if (value == null || value.isEmpty()) {
            settings.problem("--" + fileFlag + " (or " + envName + ") is required: " + meaning + " (mount it from a Kubernetes Secret)");
            return null;
        }
        return value;
    }

    private static void checkBinaries(Settings settings, Path binDir) {
        for (String tool : PostgresCommands.REQUIRED_BINARIES) {
            Path binary = binDir.resolve(tool);
            if (!Files.isExecutable(binary)) {
                settings.problem("PostgreSQL binary " + binary + " is missing or not executable: install PostgreSQL 15 or point --pg-bin-dir at its bin directory");
            }
        }
        if (!Files.isExecutable(Path.of("/usr/bin/setpriv")) && !Files.isExecutable(Path.of("/bin/setpriv"))) {
            settings.problem("setpriv (util-linux) is missing: the keeper needs it so PostgreSQL dies with the keeper; install util-linux");
        }
        if (!Files.isExecutable(Path.of("/usr/bin/perl")) && !Files.isExecutable(Path.of("/bin/perl"))) {
            settings.problem("perl is missing: the keeper runs its fence watchdog with it, which stops PostgreSQL if the keeper freezes; install perl"
                    + " (the PostgreSQL packages depend on it)");
        }
    }

    private static void checkDataDir(Settings settings, Path dataDir, String user) {
        try {
            if (Files.exists(dataDir)) {
                if (!Files.isDirectory(dataDir)) {
                    settings.problem("--data-dir " + dataDir + " is not a directory");
                    return;
                }
                String owner = WorkArea.ownerOf(dataDir);
                if (!owner.equals(user) && !owner.equals("root")) {
                    settings.problem("--data-dir " + dataDir + " is owned by " + owner + ", not " + user
                            + ": is it another installation's? Give this keeper its own directory or chown it to " + user + "; nothing was changed");
                }
                Path pgdata = dataDir.resolve("pgdata");
                if (Files.exists(pgdata)) {
                    String pgOwner = WorkArea.ownerOf(pgdata);
                    if (!pgOwner.equals(user)) {
                        settings.problem("data directory " + pgdata + " is owned by " + pgOwner + ", not " + user
                                + ": PostgreSQL would refuse it. chown -R " + user + " it if it is this keeper's; nothing was changed");
                    }
                    Path version = pgdata.resolve("PG_VERSION");
                    if (Files.exists(version)) {
                        String major = Files.readString(version).strip();
                        if (!major.equals("15")) {
                            settings.problem("data directory " + pgdata + " is PostgreSQL " + major + ", this keeper runs 15; upgrade it first; nothing was changed");
                        }
                    }
                }
            } else if (dataDir.toAbsolutePath().getParent() == null || !Files.isDirectory(dataDir.toAbsolutePath().getParent())) {
                settings.problem("--data-dir " + dataDir + ": its parent directory does not exist");
            }
        } catch (IOException e) {
            settings.problem("--data-dir " + dataDir + " cannot be inspected: " + e.getMessage());
        }
    }
}
