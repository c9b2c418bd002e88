package io.pgpilot.cli;

import io.pgpilot.cli.status.StatusReport;
import io.pgpilot.cluster.ClusterJson;
import io.pgpilot.store.ClusterStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", description = "Show the cluster's members, roles and replication positions.")
final class StatusCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions options;

    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE})")
    String output;

    @Override
    public Integer call() {
        if (!output.equals("table") && !output.equals("json")) {
            throw new IllegalArgumentException("-o " + output + " is not an output format: use table or json");
        }
        ClusterStore store = options.store();
        try (var client = store.client()) {
            StatusReport report = StatusReport.read(store);
            System.out.print(output.equals("json") ? ClusterJson.writePretty(report) + "\n" : report.table());
        }
        return 0;
    }
}
