package io.pgpilot.charts;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.Set;
import java.util.TreeSet;

/** One RBAC right: a verb on a resource of an API group ("" is the core group). */
record Permission(String apiGroup, String resource, String verb) implements Comparable<Permission> {

    /**
     * Every right a Role grants, one per (group, resource, verb) of its rules.
     *
     * @throws AssertionError for a wildcard or a resourceNames/nonResourceURLs rule, which a least-rights Role
     *                        must not need and this comparison could not judge
     */
    static Set<Permission> grantedBy(Role role) {
        Set<Permission> granted = new TreeSet<>();
        for (PolicyRule rule : role.getRules()) {
            if (rule.getResourceNames() != null && !rule.getResourceNames().isEmpty()
                    || rule.getNonResourceURLs() != null && !rule.getNonResourceURLs().isEmpty()) {
                throw new AssertionError("Role " + role.getMetadata().getName() + " has a rule with resourceNames or nonResourceURLs: " + rule);
            }
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        if (group.equals("*") || resource.equals("*") || verb.equals("*")) {
                            throw new AssertionError("Role " + role.getMetadata().getName() + " grants a wildcard: " + rule);
                        }
                        granted.add(new Permission(group, resource, verb));
                    }
                }
            }
        }
        return granted;
    }

    @Override
    public int compareTo(Permission other) {
        return toString().compareTo(other.toString());
    }

    @Override
    public String toString() {
        return verb + " " + resource + (apiGroup.isEmpty() ? "" : "." + apiGroup);
    }
}
