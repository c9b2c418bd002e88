package io.pgpilot.keeper.postgres;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the command lines of the PostgreSQL tools; runs nothing. Secrets never appear here: passwords
 * reach the tools through files ({@code --pwfile}, {@code PGPASSFILE}, {@code passfile=}) that only the
 * PostgreSQL OS user can read.
 *
 * <p>Every command is wrapped in {@code setpriv --pdeathsig=KILL}: the child dies with the keeper's thread
 * that started it, so a keeper killed with -9 cannot leave a postmaster (or a half-done pg_basebackup)
 * behind. When the keeper runs as root, setpriv also drops to {@code runAs}, since PostgreSQL refuses root.
 *
 * @param binDir PostgreSQL's bin directory
 * @param runAs  the OS user to run as, or null when the keeper already is that user (not root)
 */
public record PostgresCommands(Path binDir, String runAs) {

    /** The tools the keeper needs, checked at start-up. */
    public static final List<String> REQUIRED_BINARIES = List.of("initdb", "postgres", "pg_basebackup", "pg_rewind", "pg_controldata", "pg_waldump");

    public List<String> initdb(Path pgdata, Path superuserPasswordFile, String superuser) {
        return wrap(List.of(tool("initdb"), "--pgdata=" + pgdata, "--username=" + superuser, "--pwfile=" + superuserPasswordFile,
                "--auth-host=scram-sha-256", "--auth-local=peer", "--data-checksums", "--encoding=UTF8", "--locale=C", "--no-instructions"));
    }

    /** The postmaster itself, in the foreground, with the keeper's own configuration file. */
    public List<String> postmaster(Path pgdata, Path configFile) {
        return wrap(List.of(tool("postgres"), "-D", pgdata.toString(), "-c", "config_file=" + configFile));
    }

    /**
     * A base backup streamed from {@code host:port} through this member's replication slot; the password
     * comes from the passfile named in the environment, never from the command line.
     */
    public List<String> basebackup(Path target, String host, int port, String user, String slot) {
        return wrap(List.of(tool("pg_basebackup"), "--pgdata=" + target, "--host=" + host, "--port=" + port, "--username=" + user,
                "--wal-method=stream", "--slot=" + slot, "--checkpoint=fast", "--no-password", "--progress"));
    }

    /** Rewinds a former primary onto the source's timeline; crash recovery first, done by pg_rewind itself. */
    public List<String> rewind(Path pgdata, String sourceConninfo) {
        return wrap(List.of(tool("pg_rewind"), "--target-pgdata=" + pgdata, "--source-server=" + sourceConninfo, "--progress"));
    }

    /**
     * Reads WAL from {@code start} to its end, at most to the end of {@code lastSegment}, printing only the
     * error that marks the end. The segment files are named: without them pg_waldump takes the segment size
     * from whichever file it lists first (a zero-filled segment made ready for later use stops it there), and
     * with the first alone it reads that one segment only.
     */
    public List<String> waldump(Path walDir, String start, String firstSegment, String lastSegment) {
        return wrap(List.of(tool("pg_waldump"), "--quiet", "--path=" + walDir, "--start=" + start, firstSegment, lastSegment));
    }

    /** The fence watchdog ({@code FenceWatchdogProcess}): Perl, as PostgreSQL's user, dying with the keeper. */
    public List<String> fenceWatchdog(Path script, Path deadlineFile) {
        return wrap(List.of("perl", script.toString(), deadlineFile.toString()));
    }

    public List<String> controldata(Path pgdata) {
        return wrap(List.of(tool("pg_controldata"), pgdata.toString()));
    }

    public String tool(String name) {
        return binDir.resolve(name).toString();
    }

    private List<String> wrap(List<String> command) {
        List<String> full = new ArrayList<>();
        full.add("setpriv");
        if (runAs != null) {
            full.add("--reuid=" + runAs);
            full.add("--regid=" + runAs);
            full.add("--init-groups");
        }
        full.add("--pdeathsig=KILL");
        full.add("--");
        full.addAll(command);
        return List.copyOf(full);
    }
}
