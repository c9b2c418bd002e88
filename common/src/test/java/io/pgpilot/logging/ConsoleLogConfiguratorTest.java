package io.pgpilot.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class ConsoleLogConfiguratorTest {

    private static ExecutionStatus configure(LoggerContext context) {
        ConsoleLogConfigurator configurator = new ConsoleLogConfigurator();
        configurator.setContext(context);
        return configurator.configure(context);
    }

    @Test
    void pgpilotLogsAtInfoOnStandardOutputAndTheClientLibrariesOnlyWarn() {
        LoggerContext context = new LoggerContext();
        assertThat(configure(context)).as("no XML configuration is read after it").isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.INFO);
        assertThat(root.getAppender("OUT")).isInstanceOfSatisfying(ConsoleAppender.class, out -> {
            assertThat(out.isStarted()).isTrue();
            assertThat(out.getTarget()).isEqualTo("System.out");
        });
        assertThat(context.getLogger("io.pgpilot.keeper.Keeper").getEffectiveLevel()).isEqualTo(Level.INFO);
        for (String library : new String[] {"io.fabric8.kubernetes.client.informers", "io.netty.channel", "io.vertx.core", "org.apache.catalina.core",
                "org.apache.coyote", "org.springframework.web"}) {
            assertThat(context.getLogger(library).getEffectiveLevel()).as(library).isEqualTo(Level.WARN);
        }
    }

    @Test
    void anExplicitConfigurationFileWins() {
        LoggerContext context = new LoggerContext();
        System.setProperty("logback.configurationFile", "logback-cli.xml");
        try {
            assertThat(configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
        } finally {
            System.clearProperty("logback.configurationFile");
        }
    }
}
