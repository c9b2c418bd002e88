package io.pgpilot.store;

/**
 * What Kubernetes says about a keeper's pod, for the sentinel's fast path: a container that Kubernetes
 * reports terminated is positive evidence its PostgreSQL no longer accepts writes.
 *
 * @param name                the pod's (and keeper's) name
 * @param keeperTerminated    the keeper container's current state is terminated
 * @param restarts            the keeper container's restart count; a change means the process died since last seen
 * @param deleting            the pod has a deletion timestamp (graceful stop under way)
 */
public record PodView(String name, boolean keeperTerminated, int restarts, boolean deleting) {
}
