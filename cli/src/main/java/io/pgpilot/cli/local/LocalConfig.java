package io.pgpilot.cli.local;

import io.pgpilot.cluster.ClusterJson;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KubeClients;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The shape of a local cluster, chosen on the first {@code local up} and kept in {@code <dir>/local.json}
 * so later runs reuse the same ports and names.
 */
public record LocalConfig(String cluster, String namespace, List<Member> keepers, int sentinels, int rwPort, int roPort, int proxyHttpPort) {

    /** One keeper: its name (also its Pod's), PostgreSQL port and HTTP port. */
    public record Member(String name, int pgPort, int httpPort) {
    }

    public static final String FILE = "local.json";

    /** A new configuration with free ports for every keeper and the proxy's HTTP port. */
    public static LocalConfig fresh(String cluster, int keepers, int rwPort, int roPort) throws IOException {
        Set<Integer> taken = new HashSet<>(Set.of(rwPort, roPort));
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < keepers; i++) {
            members.add(new Member(cluster + "-keeper-" + i, freePort(taken), freePort(taken)));
        }
        return new LocalConfig(cluster, "default", members, 2, rwPort, roPort, freePort(taken));
    }

    private static int freePort(Set<Integer> taken) throws IOException {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                if (taken.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            }
        }
    }

    public Member keeper(String name) {
        return keepers.stream().filter(k -> k.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no keeper named '" + name + "' in this local cluster; members are "
                        + keepers.stream().map(Member::name).toList()));
    }

    /** The store of this local cluster, through the kubeconfig its API server wrote. */
    public ClusterStore store(Path kubeconfig, Duration requestTimeout) {
        return new ClusterStore(KubeClients.create(kubeconfig, requestTimeout), namespace, new ObjectNames(cluster));
    }

    public static LocalConfig read(Path dir) throws IOException {
        return ClusterJson.read(Files.readString(dir.resolve(FILE)), LocalConfig.class);
    }

    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(FILE), ClusterJson.writePretty(this));
    }
}
