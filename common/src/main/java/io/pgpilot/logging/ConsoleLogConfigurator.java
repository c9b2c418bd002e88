package io.pgpilot.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The logging set-up of the keeper, the sentinel and the proxy: one line per event on standard output, pgpilot
 * at INFO and the client libraries at WARN (one line per decision is the contract; their debug output would
 * bury it).
 *
 * <p>Written as code rather than a logback.xml because reading XML is a start-up cost: logback's XML reader
 * and the JDK's parser are several hundred classes and a noticeable share of a keeper's start on a busy
 * machine, and a restarted keeper decides nothing before it has started. Found by logback through
 * {@code META-INF/services}. An explicit {@code -Dlogback.configurationFile} (the CLI's own, or an operator's)
 * or a {@code logback-test.xml} on a test classpath still wins: this configurator then steps aside.
 */
public final class ConsoleLogConfigurator extends ContextAwareBase implements Configurator {

    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n";
    static final String[] QUIET = {"io.fabric8", "io.netty", "io.vertx", "org.apache", "org.springframework"};

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || ConsoleLogConfigurator.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
        out.setContext(context);
        out.setName("OUT");
        out.setEncoder(encoder);
        out.start();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(out);
        for (String library : QUIET) {
            context.getLogger(library).setLevel(Level.WARN);
        }
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
