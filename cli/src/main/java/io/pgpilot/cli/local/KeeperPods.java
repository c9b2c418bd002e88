package io.pgpilot.cli.local;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pgpilot.cluster.ObjectNames;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The Pod objects local mode keeps for its keepers, so that kubectl and the sentinel see what they would
 * see on a real cluster: a container that runs or has terminated, with its exit code and restart count.
 * An annotation carries the drill commands ({@code local stop/kill/start}) to the supervisor.
 */
final class KeeperPods {

    static final String DESIRED = "pgpilot.io/desired";
    static final String RUNNING = "running";
    static final String STOPPED = "stopped";
    static final String KILLED = "killed";

    private final KubernetesClient client;
    private final String namespace;
    private final ObjectNames names;

    KeeperPods(KubernetesClient client, String namespace, ObjectNames names) {
        this.client = client;
        this.namespace = namespace;
        this.names = names;
    }

    Pod get(String keeper) {
        return client.pods().inNamespace(namespace).withName(keeper).get();
    }

    static String desired(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        return annotations == null ? RUNNING : annotations.getOrDefault(DESIRED, RUNNING);
    }

    Pod create(String keeper, int restarts) {
        Map<String, String> labels = new HashMap<>(names.labels("keeper"));
        labels.put(ObjectNames.LABEL_KEEPER, keeper);
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(keeper).withNamespace(namespace).withLabels(labels)
                .withAnnotations(Map.of(DESIRED, RUNNING)).endMetadata()
                .withNewSpec().addNewContainer().withName("keeper").withImage("pgpilot-keeper:local").endContainer().endSpec()
                .withNewStatus().withPhase("Pending").endStatus()
                .build();
        return client.pods().inNamespace(namespace).resource(pod).create();
    }

    /** Sets the drill annotation with a compare-and-swap, re-reading on a conflict. */
    boolean setDesired(String keeper, String desired) {
        for (int attempt = 0; attempt < 10; attempt++) {
            Pod pod = get(keeper);
            if (pod == null) {
                return false;
            }
            Map<String, String> annotations = new HashMap<>(pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations());
            annotations.put(DESIRED, desired);
            pod.getMetadata().setAnnotations(annotations);
            try {
                client.pods().inNamespace(namespace).resource(pod).update();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("Pod " + keeper + " kept changing; try again");
    }

    void reportRunning(String keeper, int restarts, long pid) {
        updateStatus(keeper, "Running", new ContainerStatusBuilder().withName("keeper").withReady(true).withRestartCount(restarts)
                .withContainerID("local://" + pid)
                .withNewState().withNewRunning().withStartedAt(Instant.now().toString()).endRunning().endState().build());
    }

    void reportTerminated(String keeper, int restarts, int exitCode) {
        updateStatus(keeper, "Failed", new ContainerStatusBuilder().withName("keeper").withReady(false).withRestartCount(restarts)
                .withNewState().withNewTerminated().withExitCode(exitCode).withReason(exitCode == 0 || exitCode == 143 ? "Completed" : "Error")
                .withFinishedAt(Instant.now().toString()).endTerminated().endState().build());
    }

    private void updateStatus(String keeper, String phase, ContainerStatus container) {
        for (int attempt = 0; attempt < 10; attempt++) {
            Pod pod = get(keeper);
            if (pod == null) {
                return;
            }
            pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(phase).withContainerStatuses(container).build());
            try {
                client.pods().inNamespace(namespace).resource(pod).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
    }
}
