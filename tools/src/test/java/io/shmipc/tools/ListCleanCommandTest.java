package io.shmipc.tools;

import io.shmipc.core.segment.SegmentLayout;
import io.shmipc.core.segment.SharedSegment;
import io.shmipc.signals.NamedSignals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code list} and {@code clean} on real files in /dev/shm, with and without a live mapper in another JVM. */
class ListCleanCommandTest
{
    private final Channels channels = new Channels();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<Path> extraFiles = new ArrayList<>();

    @TempDir
    Path tempDir;

    @AfterEach
    void cleanUp() throws Exception
    {
        for (int i = resources.size() - 1; i >= 0; i--)
        {
            resources.get(i).close();
        }
        channels.removeAll();
        for (final Path file : extraFiles)
        {
            Files.deleteIfExists(file);
        }
    }

    private <T extends AutoCloseable> T keep(final T resource)
    {
        resources.add(resource);
        return resource;
    }

    /** A complete channel (segment and both semaphores) that nobody maps once this returns. */
    private String deadChannel(final String what)
    {
        final String name = channels.newName(what);
        NamedSignals.create(NamedSignals.requestSignalName(name), 0600).close();
        NamedSignals.create(NamedSignals.responseSignalName(name), 0600).close();
        SharedSegment.createNamed(name, 4096, SegmentLayout.SIMPLE_IPC, SharedSegment.DEFAULT_PERMISSIONS).close();
        return name;
    }

    @Test
    void listFindsTheChannelAndSkipsOtherFiles() throws Exception
    {
        final String name = deadChannel("list");
        final Path junk = Path.of("/dev/shm", "list-junk-test-" + ProcessHandle.current().pid());
        extraFiles.add(junk);
        Files.write(junk, new byte[1000]);

        final CliRun run = CliRun.of("list");
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertTrue(Pattern.compile("(?m)^" + Pattern.quote(name) + " +simpleipc-v1 +4096" +
            " +0\\.00% 0 msgs +0\\.00% 0 msgs +-$")
            .matcher(run.out()).find(), run.out());
        assertFalse(run.out().contains(junk.getFileName().toString()), run.out());
        assertFalse(run.out().contains("sem."), run.out());
        assertEquals("", run.err(), run::toString);

        final CliRun json = CliRun.of("list", "--json");
        assertEquals(ExitCodes.OK, json.code(), json::toString);
        assertEquals(1, json.out().lines().count(), json.out());
        final Map<String, Object> doc = JsonTree.parse(json.out());
        assertEquals("/dev/shm", doc.get("directory"), json.out());
        final Map<String, Object> channel = JsonTree.named(doc, "channels", name);
        assertEquals("/dev/shm/" + name, channel.get("path"), json.out());
        assertEquals("simpleipc-v1", channel.get("layout"), json.out());
        assertEquals(4096, JsonTree.integer(channel, "capacity"), json.out());
        assertEquals(List.of("toGuest", "fromGuest"),
            JsonTree.objects(channel, "queues").stream().map(q -> q.get("name")).toList(), json.out());
        for (final Map<String, Object> queue : JsonTree.objects(channel, "queues"))
        {
            assertEquals(0, JsonTree.integer(queue, "usedBytes"), json.out());
            assertEquals(0, JsonTree.integer(queue, "pendingMessages"), json.out());
            assertEquals(0.0, JsonTree.number(queue, "percentFull"), json.out());
            JsonTree.assertNullField(queue, "corruption");
        }
        assertEquals(List.of(), JsonTree.array(channel, "mappedBy"),
            "a dead channel is mapped by nobody: " + json.out());
        assertFalse(JsonTree.objects(doc, "channels").stream()
            .anyMatch(c -> junk.getFileName().toString().equals(c.get("name"))), json.out());
    }

    @Test
    void cleanRemovesADeadChannel() throws Exception
    {
        final String name = deadChannel("clean");
        final CliRun run = CliRun.of("clean", name);
        assertEquals(ExitCodes.OK, run.code(), run::toString);
        assertTrue(run.out().contains("removed /dev/shm/" + name + "\n") &&
            run.out().contains("removed /dev/shm/sem." + name + "_REQ\n") &&
            run.out().contains("removed /dev/shm/sem." + name + "_RESP\n"), run::toString);
        Channels.assertNoFiles(name);
        LiveChannelTest.checkError(CliRun.of("clean", name), ExitCodes.NOT_FOUND, name);
    }

    @Test
    @Timeout(90)
    void cleanRefusesWhileAnotherJvmMapsTheChannelUnlessForced() throws Exception
    {
        final String name = channels.newName("cleanlive");
        final Child host =
            keep(Child.cli("host", name, "--capacity", "64KiB", "--idle", "backoff", "--wait-guest", "60s"));
        host.awaitOutput(": reader=", 60);

        final CliRun refused = CliRun.of("clean", name);
        LiveChannelTest.checkError(refused, ExitCodes.IN_USE, "pid " + host.pid());
        assertTrue(refused.err().contains("--force"), refused::toString);
        assertTrue(Files.exists(SharedSegment.shmPath(name)), "nothing removed");
        assertTrue(Files.exists(Path.of("/dev/shm", "sem." + name + "_REQ")), "nothing removed");

        final CliRun forced = CliRun.of("clean", "--force", name);
        assertEquals(ExitCodes.OK, forced.code(), forced::toString);
        assertTrue(forced.out().contains("still mapped by pid [" + host.pid() + "]"), forced::toString);
        Channels.assertNoFiles(name);
    }

    @Test
    void cleanNeverFollowsALinkAndRefusesWhatIsNotASegment() throws Exception
    {
        final Path victim = tempDir.resolve("victim-test.bin");
        Files.write(victim, new byte[100]);
        final String link = channels.newName("cleanlink");
        Files.createSymbolicLink(Path.of("/dev/shm", link), victim);
        LiveChannelTest.checkError(CliRun.of("clean", "--force", link), ExitCodes.INVALID_SEGMENT, "symbolic link");
        assertTrue(Files.exists(victim) && Files.exists(Path.of("/dev/shm", link), LinkOption.NOFOLLOW_LINKS));

        final String junk = channels.newName("cleanjunk");
        Files.write(Path.of("/dev/shm", junk), new byte[1000]);
        LiveChannelTest.checkError(CliRun.of("clean", junk), ExitCodes.INVALID_SEGMENT, "--force");
        assertTrue(Files.exists(Path.of("/dev/shm", junk)));
        assertEquals(ExitCodes.OK, CliRun.of("clean", "--force", junk).code());
        assertFalse(Files.exists(Path.of("/dev/shm", junk)));

        LiveChannelTest.checkError(CliRun.of("clean", "../etc/passwd"), ExitCodes.USAGE, "../etc/passwd");
        LiveChannelTest.checkError(CliRun.of("clean", ".."), ExitCodes.USAGE, "..");
        LiveChannelTest.checkError(CliRun.of("clean"), ExitCodes.USAGE, "NAME");
    }
}
