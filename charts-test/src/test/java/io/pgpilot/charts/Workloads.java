package io.pgpilot.charts;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;

/** Small readers over a rendered pod template, so the tests say what they check rather than how to dig for it. */
final class Workloads {

    private Workloads() {
    }

    static Container container(PodSpec pod, String name) {
        return pod.getContainers().stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no container named " + name));
    }

    static Map<String, EnvVar> env(Container container) {
        Map<String, EnvVar> env = new LinkedHashMap<>();
        container.getEnv().forEach(e -> env.put(e.getName(), e));
        return env;
    }

    static String value(Container container, String variable) {
        EnvVar env = env(container).get(variable);
        if (env == null) {
            throw new NoSuchElementException("container " + container.getName() + " has no environment variable " + variable);
        }
        return env.getValue();
    }

    static String fieldRef(Container container, String variable) {
        EnvVar env = env(container).get(variable);
        if (env == null || env.getValueFrom() == null || env.getValueFrom().getFieldRef() == null) {
            throw new NoSuchElementException("container " + container.getName() + " has no downward-API variable " + variable);
        }
        return env.getValueFrom().getFieldRef().getFieldPath();
    }

    /** The container port a probe or Service port names (or gives as a number). */
    static int port(Container container, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new NoSuchElementException("container " + container.getName() + " has no port named " + port.getStrVal()));
    }

    static VolumeMount mountOf(Container container, String volume) {
        return container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("container " + container.getName() + " does not mount volume " + volume));
    }

    static VolumeMount mountAt(Container container, String path) {
        return container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("container " + container.getName() + " mounts nothing at " + path));
    }
}
