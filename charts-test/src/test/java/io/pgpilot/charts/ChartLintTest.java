package io.pgpilot.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

class ChartLintTest {

    @Test
    void lintPassesWithoutAWarning() {
        LintResult lint = PgpilotChart.lint(false);
        assertThat(lint.isFailed()).as("helm lint failed: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).as("helm lint messages").noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void strictLintPassesToo() {
        LintResult lint = PgpilotChart.lint(true);
        assertThat(lint.isFailed()).as("helm lint --strict failed: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).as("helm lint --strict messages").noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }
}
