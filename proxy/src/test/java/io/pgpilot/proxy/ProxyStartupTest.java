package io.pgpilot.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgpilot.config.Settings;
import io.pgpilot.proxy.support.PgClient;
import io.pgpilot.proxy.support.PostgresServer;
import io.pgpilot.proxy.support.StaticProxyConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What an operator sees when starting the proxy: bad settings and a taken port refused by name, each transport working. */
class ProxyStartupTest {

    static Path base;
    static PostgresServer pg;

    @BeforeAll
    static void start() throws Exception {
        base = PostgresServer.baseDir("startup");
        pg = PostgresServer.start(base, "pg");
    }

    @AfterAll
    static void stop() throws Exception {
        if (pg != null) {
            pg.close();
        }
        PostgresServer.removeAll(base);
    }

    private static ProxyConfig parse(String... args) {
        return ProxyConfig.from(Settings.parse("proxy", args, Map.of(), ProxyConfig.SWITCHES));
    }

    private static ProxyConfig staticConfig(int rwPort, String transport) {
        return StaticProxyConfig.of(pg.port(), rwPort, 1, transport);
    }

    @Test
    void badSettingsAreAllNamedAtOnce() {
        assertThatThrownBy(() -> parse("--static-backend", "127.0.0.1:5432", "--transport", "kqueue", "--rw-port", "7000", "--ro-port", "7000"))
                .isInstanceOf(Settings.BadSettingsException.class)
                .satisfies(e -> assertThat(((Settings.BadSettingsException) e).problems()).containsExactlyInAnyOrder(
                        "--transport is 'kqueue': choose one of auto, epoll, nio",
                        "--rw-port and --ro-port are both 7000: give the read-only listener its own port"));
    }

    @Test
    void aPortInUseIsRefusedNamingThePortAndWhatToDo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> Proxy.startStatic(staticConfig(taken.getLocalPort(), "auto")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot listen for rw on 127.0.0.1:" + taken.getLocalPort())
                    .hasMessageContaining("choose another --rw-port or stop what uses it");
        }
    }

    @Test
    void theJavaNioTransportRelaysLikeEpoll() throws Exception {
        for (String transport : new String[] {"nio", "auto"}) {
            try (Proxy proxy = Proxy.startStatic(staticConfig(0, transport)); PgClient client = PgClient.connect(proxy.rwPort())) {
                assertThat(client.query("select 40 + 2")).as(transport).isEqualTo("42");
            }
        }
    }
}
