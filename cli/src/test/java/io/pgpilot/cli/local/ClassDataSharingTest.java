package io.pgpilot.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which JVM options a component gets: record its classes once, then use the archive, and start over when a jar changes. */
class ClassDataSharingTest {

    private static final String KEEPER = "io.pgpilot.keeper.KeeperMain";

    @TempDir
    Path tmp;

    private String jars() throws Exception {
        Path a = Files.writeString(tmp.resolve("a.jar"), "a");
        Path b = Files.writeString(tmp.resolve("b.jar"), "b");
        Path cliClasses = Files.createDirectories(tmp.resolve("cli/target/classes"));
        return cliClasses + File.pathSeparator + a + File.pathSeparator + b;
    }

    @Test
    void theFirstJvmRecordsItsClassesTheOthersWaitAndThenAllUseTheArchive() throws Exception {
        ClassDataSharing sharing = new ClassDataSharing(tmp.resolve("cds"), jars());
        assertThat(sharing.classpath()).as("the CLI's class directory is left out").doesNotContain("cli/target/classes").contains("a.jar");
        Path list = tmp.resolve("cds/KeeperMain.classlist");
        assertThat(sharing.jvmArgs(KEEPER)).containsExactly("-XX:DumpLoadedClassList=" + list);
        assertThat(sharing.jvmArgs(KEEPER)).as("the list is being recorded by the first").isEmpty();

        // What buildMissing leaves behind after a successful dump.
        Files.writeString(tmp.resolve("cds/KeeperMain.jsa"), "archive");
        Files.copy(tmp.resolve("cds/KeeperMain.classlist.stamp"), tmp.resolve("cds/KeeperMain.jsa.stamp"));
        assertThat(sharing.jvmArgs(KEEPER)).containsExactly("-XX:SharedArchiveFile=" + tmp.resolve("cds/KeeperMain.jsa"));
    }

    @Test
    void theClisOwnJarAsThePgpilotCommandRunsItIsLeftOutAndTheArchivesGoBesideIt() throws Exception {
        Path a = Files.writeString(tmp.resolve("a.jar"), "a");
        Path cliJar = Files.writeString(Files.createDirectories(tmp.resolve("cli/target")).resolve("pgpilot-cli-0.1.0-SNAPSHOT.jar"), "cli");
        ClassDataSharing sharing = ClassDataSharing.forClasspath(cliJar + File.pathSeparator + a);
        assertThat(sharing.classpath()).isEqualTo(a.toString());
        assertThat(sharing.jvmArgs(KEEPER)).containsExactly("-XX:DumpLoadedClassList=" + tmp.resolve("cli/target/cds/KeeperMain.classlist"));
    }

    @Test
    void theDrillsJarOfTheFailoverBenchmarkIsLeftOutTooSoItsClusterUsesTheUsersArchives() throws Exception {
        Path a = Files.writeString(tmp.resolve("a.jar"), "a");
        Path cliJar = Files.writeString(Files.createDirectories(tmp.resolve("cli/target")).resolve("pgpilot-cli-0.1.0-SNAPSHOT.jar"), "cli");
        Path drillsJar = Files.writeString(Files.createDirectories(tmp.resolve("drills/target")).resolve("pgpilot-drills-0.1.0-SNAPSHOT.jar"), "d");
        ClassDataSharing bench = ClassDataSharing.forClasspath(drillsJar + File.pathSeparator + cliJar + File.pathSeparator + a);
        ClassDataSharing user = ClassDataSharing.forClasspath(cliJar + File.pathSeparator + a);
        assertThat(bench.classpath()).isEqualTo(user.classpath()).isEqualTo(a.toString());
        assertThat(bench.jvmArgs(KEEPER)).containsExactly("-XX:DumpLoadedClassList=" + tmp.resolve("cli/target/cds/KeeperMain.classlist"));
    }

    @Test
    void archivedOnlyOnceEveryComponentHasAnArchiveForTheseJars() throws Exception {
        ClassDataSharing sharing = new ClassDataSharing(tmp.resolve("cds"), jars());
        assertThat(sharing.archived(List.of(KEEPER))).isFalse();
        sharing.jvmArgs(KEEPER);
        assertThat(sharing.archived(List.of(KEEPER))).as("a class list being recorded is not an archive").isFalse();
        Files.writeString(tmp.resolve("cds/KeeperMain.jsa"), "archive");
        Files.copy(tmp.resolve("cds/KeeperMain.classlist.stamp"), tmp.resolve("cds/KeeperMain.jsa.stamp"));
        assertThat(sharing.archived(List.of(KEEPER))).isTrue();
        assertThat(sharing.archived(List.of(KEEPER, "io.pgpilot.proxy.ProxyMain"))).isFalse();
    }

    @Test
    void aRebuiltJarMakesTheClassesBeRecordedAgain() throws Exception {
        String classpath = jars();
        ClassDataSharing before = new ClassDataSharing(tmp.resolve("cds"), classpath);
        before.jvmArgs(KEEPER);
        Files.writeString(tmp.resolve("cds/KeeperMain.jsa"), "archive");
        Files.copy(tmp.resolve("cds/KeeperMain.classlist.stamp"), tmp.resolve("cds/KeeperMain.jsa.stamp"));
        Files.setLastModifiedTime(tmp.resolve("b.jar"), FileTime.fromMillis(System.currentTimeMillis() + 60_000));

        ClassDataSharing after = new ClassDataSharing(tmp.resolve("cds"), classpath);
        assertThat(after.jvmArgs(KEEPER)).containsExactly("-XX:DumpLoadedClassList=" + tmp.resolve("cds/KeeperMain.classlist"));
    }

    @Test
    void aJarRebuiltWhileTheClusterRunsIsNoticedAtTheNextStart() throws Exception {
        ClassDataSharing sharing = new ClassDataSharing(tmp.resolve("cds"), jars());
        sharing.jvmArgs(KEEPER);
        Files.writeString(tmp.resolve("cds/KeeperMain.jsa"), "archive");
        Files.copy(tmp.resolve("cds/KeeperMain.classlist.stamp"), tmp.resolve("cds/KeeperMain.jsa.stamp"));
        assertThat(sharing.jvmArgs(KEEPER)).singleElement().asString().startsWith("-XX:SharedArchiveFile=");

        // The JVM would refuse that archive without a word and start with no sharing at all.
        Files.setLastModifiedTime(tmp.resolve("a.jar"), FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        assertThat(sharing.jvmArgs(KEEPER)).containsExactly("-XX:DumpLoadedClassList=" + tmp.resolve("cds/KeeperMain.classlist"));
        assertThat(sharing.archived(List.of(KEEPER))).isFalse();
    }

    @Test
    void aClasspathWithOtherDirectoriesGetsNoSharingAndKeepsEveryEntry() throws Exception {
        Path testClasses = Files.createDirectories(tmp.resolve("target/test-classes"));
        String classpath = jars() + File.pathSeparator + testClasses;
        ClassDataSharing sharing = new ClassDataSharing(tmp.resolve("cds"), classpath);
        assertThat(sharing.jvmArgs(KEEPER)).isEmpty();
        assertThat(sharing.classpath()).isEqualTo(classpath);
        sharing.buildMissing(List.of(KEEPER), line -> { throw new AssertionError("nothing to build: " + line); });
        assertThat(tmp.resolve("cds")).doesNotExist();
    }
}
