package io.pgpilot.cli;

import io.pgpilot.cli.local.LocalCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code pgpilot} command. */
@Command(name = "pgpilot", mixinStandardHelpOptions = true, version = "pgpilot 0.1.0",
        description = "PostgreSQL high availability on Kubernetes: status, switchover, failover, pause, and a local cluster.",
        subcommands = {StatusCommand.class, RequestCommands.Switchover.class, RequestCommands.Failover.class,
                RequestCommands.Pause.class, RequestCommands.Resume.class, RequestCommands.Recover.class, LocalCommand.class,
                ApiServerCommand.class})
public final class Main {

    public static void main(String[] args) {
        // Every component shares local mode's classpath, so each names its own logging configuration.
        System.setProperty("logback.configurationFile", "logback-cli.xml");
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        withHelpOptions(commandLine);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Expected failures (bad input, an unreachable API server) get one clear line, not a stack trace.
            cmd.getErr().println("pgpilot " + cmd.getCommandName() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        return commandLine.execute(args);
    }

    /** {@code --help} (and {@code --version}) on every subcommand, as people try them there first. */
    private static void withHelpOptions(CommandLine command) {
        for (CommandLine sub : command.getSubcommands().values()) {
            sub.getCommandSpec().mixinStandardHelpOptions(true);
            withHelpOptions(sub);
        }
    }
}
