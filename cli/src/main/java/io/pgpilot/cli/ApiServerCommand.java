package io.pgpilot.cli;

import io.pgpilot.localapi.LocalApiServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "api-server", description = "Run a local Kubernetes API server (in memory unless --state-file) on 127.0.0.1 and write a kubeconfig for it.")
final class ApiServerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "0", description = "port on 127.0.0.1; 0 chooses a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--kubeconfig", required = true, description = "where to write the kubeconfig for clients and kubectl")
    Path kubeconfig;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "the kubeconfig's namespace (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--audit-log", description = "append every request's method and path to this file")
    Path auditLog;

    @Option(names = "--state-file", description = "keep ConfigMaps and Leases in this file across restarts (written before each change is answered)")
    Path stateFile;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port " + port + " is out of range: use 0 (choose a free port) to 65535");
        }
        LocalApiServer.serve(port, kubeconfig, namespace, auditLog, stateFile);
        return 0;
    }
}
