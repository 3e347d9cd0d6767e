package io.shmipc.tools;

import io.shmipc.affinity.Affinity;
import io.shmipc.affinity.CpuSet;
import io.shmipc.core.channel.ChannelConfig;
import io.shmipc.core.channel.IpcHost;
import io.shmipc.schemas.IpcMessages;
import ipc.AddResponse;
import ipc.Message;
import ipc.MyRandResponse;
import ipc.Payload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code shmipc host} and {@code shmipc guest} across processes: both as child JVMs, the guest answering an
 * {@link IpcHost} in this JVM with worker threads, and the host driving our C guest (non-Java code proves the
 * names and the bytes). Idle strategy {@code backoff}, so no thread spins a core for long.
 */
class HostGuestCommandTest
{
    private final Channels channels = new Channels();
    private final List<AutoCloseable> children = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception
    {
        for (final AutoCloseable child : children)
        {
            child.close();
        }
        channels.removeAll();
    }

    private <T extends AutoCloseable> T keep(final T child)
    {
        children.add(child);
        return child;
    }

    @Test
    @Timeout(150)
    void hostAndGuestInTwoJvmsPrintTheOriginalLinesAndMatchEveryCall() throws Exception
    {
        final String name = channels.newName("hostguest");
        final Child guest = keep(Child.cli("guest", name, "--idle", "backoff", "--timeout", "60s"));
        final Child host = keep(Child.cli("host", name, "--threads", "2", "--iterations", "500", "--capacity", "64KiB",
            "--idle", "backoff", "--wait-guest", "60s"));
        assertEquals(0, host.waitFor(120), host.output());
        final String out = host.output();
        checkHostOutput(out, 1000);
        assertEquals(0, guest.waitFor(30), guest.output());
        assertTrue(guest.output().contains("answered 1001 requests (0 invalid, 0 not sent), stopped: " +
            "the host removed the segment"), guest.output());
        Channels.assertNoFiles(name);
    }

    @Test
    @Timeout(150)
    void guestWithWorkersAnswersAnIpcHostInThisJvm() throws Exception
    {
        final String name = channels.newName("guestworkers");
        final IpcHost host = keep(IpcHost.start(ChannelConfig.builder(name).capacity(64 * 1024)
            .readerIdle("backoff").writerIdle("backoff").callTimeout(Duration.ofSeconds(20)).build(),
            IpcMessages::reqId));
        final Child guest = keep(Child.cli("guest", name, "--workers", "3", "--idle", "backoff", "--timeout", "60s"));
        guest.awaitOutput("3 workers", 60);

        final List<CompletableFuture<Void>> callers = new ArrayList<>();
        for (int t = 0; t < 2; t++)
        {
            final double y = t * 1000.25;
            callers.add(CompletableFuture.runAsync(() ->
            {
                try
                {
                    for (int i = 0; i < 300; i++)
                    {
                        final double x = i;
                        final ByteBuffer response = host.call((b, id) -> IpcMessages.encodeAddRequest(b, id, x, y),
                            Duration.ofSeconds(20));
                        final Message message = Message.getRootAsMessage(response);
                        assertEquals(Payload.AddResponse, message.payloadType());
                        assertEquals(x + y, ((AddResponse)message.payload(new AddResponse())).result());
                    }
                }
                catch (final Exception ex)
                {
                    throw new AssertionError(ex);
                }
            }));
        }
        for (final CompletableFuture<Void> caller : callers)
        {
            caller.get(120, TimeUnit.SECONDS);
        }
        final Message rand =
            Message.getRootAsMessage(host.call(IpcMessages::encodeMyRandRequest, Duration.ofSeconds(20)));
        assertEquals(Payload.MyRandResponse, rand.payloadType());
        assertEquals(0.12345, ((MyRandResponse)rand.payload(new MyRandResponse())).result());
        assertEquals(0, host.unknownResponses());
        assertEquals(0, host.expiredResponses());

        host.close();
        assertEquals(0, guest.waitFor(30), guest.output());
        assertTrue(guest.output().contains("answered 601 requests (0 invalid, 0 not sent)"), guest.output());
    }

    @Test
    @Timeout(150)
    void shmipcPeersThatPollBlockHeaders() throws Exception
    {
        final String name = channels.newName("hosttrust");
        final Child guest = keep(Child.cli("guest", name, "--idle", "wait", "--trust-peer", "--timeout", "60s"));
        final Child host = keep(Child.cli("host", name, "--threads", "1", "--iterations", "3000", "--capacity",
            "64KiB", "--idle", "wait", "--caller", "--trust-peer", "--wait-guest", "60s"));
        assertEquals(0, host.waitFor(120), host.output());
        checkHostOutput(host.output(), 3000);
        assertEquals(0, guest.waitFor(30), guest.output());
        assertTrue(guest.output().contains("answered 3001 requests (0 invalid, 0 not sent)"), guest.output());
        Channels.assertNoFiles(name);
    }

    @Test
    @Timeout(150)
    void hostWithCallerModeDrivesTheCGuest() throws Exception
    {
        final Path program = compileCGuest();
        final String name = channels.newName("hostcaller");
        final Child guest = keep(Child.exec(program.toString(), name, "120"));
        final Child host = keep(Child.cli("host", name, "--threads", "1", "--iterations", "2000", "--capacity", "64KiB",
            "--idle", "wait", "--caller", "--wait-guest", "60s"));
        assertEquals(0, host.waitFor(120), host.output());
        checkHostOutput(host.output(), 2000);
        assertEquals(0, guest.waitFor(30), guest.output());
        assertTrue(guest.output().contains("answered 2001"), guest.output());
        Channels.assertNoFiles(name);
    }

    @Test
    @Timeout(150)
    void hostDrivesTheCGuest() throws Exception
    {
        final Path program = compileCGuest();
        final String name = channels.newName("hostc");
        final Child guest = keep(Child.exec(program.toString(), name, "120"));
        final Child host = keep(Child.cli("host", name, "--threads", "2", "--iterations", "500", "--capacity", "64KiB",
            "--idle", "backoff", "--wait-guest", "60s"));
        assertEquals(0, host.waitFor(120), host.output());
        checkHostOutput(host.output(), 1000);
        assertTrue(host.output().contains("no heartbeat"), host.output());
        assertEquals(0, guest.waitFor(30), guest.output());
        assertTrue(guest.output().contains("answered 1001"), guest.output()); // 1000 calls and the warm-up
        Channels.assertNoFiles(name);
    }

    @Test
    @Timeout(150)
    void byDefaultTheHostAndTheGuestRunOnTwoHalvesOfTheAllowedCpusWithAllTheirThreads() throws Exception
    {
        final CpuSet allowed = Affinity.processCpus();
        assumeTrue(allowed.size() >= 2, "needs two CPUs to split; this process may use " + allowed);
        final CpuSet hostCpus = SideCpus.half(SideCpus.Side.HOST, allowed);
        final CpuSet guestCpus = SideCpus.half(SideCpus.Side.GUEST, allowed);

        // A guest waiting for its channel is placed already.
        final String early = channels.newName("cpusguest");
        final Child waiting = keep(Child.cli("guest", early, "--idle", "backoff", "--timeout", "60s"));
        waiting.awaitOutput("guest " + early + ": threads on CPUs " + guestCpus + " of " + allowed + " (--cpus auto",
            60);
        assertThreadsOn(waiting.pid(), guestCpus, allowed);
        waiting.close();

        // A host waiting for its guest too; then the pair talks, each on its own CPUs.
        final String name = channels.newName("cpushost");
        final Child host = keep(Child.cli("host", name, "--threads", "2", "--iterations", "500", "--capacity", "64KiB",
            "--idle", "backoff", "--wait-guest", "60s"));
        host.awaitOutput("host " + name + ": threads on CPUs " + hostCpus + " of " + allowed + " (--cpus auto", 60);
        assertThreadsOn(host.pid(), hostCpus, allowed);
        final Child guest = keep(Child.cli("guest", name, "--idle", "backoff", "--timeout", "60s"));
        assertEquals(0, host.waitFor(120), host.output());
        checkHostOutput(host.output(), 1000);
        assertEquals(0, guest.waitFor(30), guest.output());
        assertTrue(guest.output().contains("threads on CPUs " + guestCpus), guest.output());
        Channels.assertNoFiles(name);
    }

    @Test
    @Timeout(150)
    void cpusNoneLeavesTheThreadsWhereTheyWereAndABadListIsAUsageError() throws Exception
    {
        final CpuSet allowed = Affinity.processCpus();
        final String name = channels.newName("cpusnone");
        final Child guest = keep(Child.cli("guest", name, "--cpus", "none", "--timeout", "60s"));
        guest.awaitOutput("guest " + name + ": threads not pinned (--cpus none)", 60);
        assertThreadsOn(guest.pid(), allowed, allowed);
        guest.close();

        final CliRun bad = CliRun.of("guest", name, "--cpus", "0-" + CpuSet.MAX_CPU, "--timeout", "300ms");
        assertEquals(ExitCodes.USAGE, bad.code(), bad::toString);
        assertEquals(List.of("shmipc guest: --cpus 0-" + CpuSet.MAX_CPU + ": CPUs " +
            CpuSet.parse("0-" + CpuSet.MAX_CPU).minus(allowed) + " are not among the CPUs this process may use: " +
            allowed), bad.errLines(), bad::toString);
    }

    /** Every thread of process {@code pid} but its first may run on {@code cpus} only; the first on all it may. */
    private static void assertThreadsOn(final long pid, final CpuSet cpus, final CpuSet allowed) throws Exception
    {
        final List<Path> tasks;
        try (Stream<Path> list = Files.list(Path.of("/proc/" + pid + "/task")))
        {
            tasks = list.toList();
        }
        assertTrue(tasks.size() > 5, "a JVM has many threads: " + tasks);
        for (final Path task : tasks)
        {
            final String status;
            try
            {
                status = Files.readString(task.resolve("status"));
            }
            catch (final NoSuchFileException ex)
            {
                continue; // the thread ended since the listing
            }
            final CpuSet actual = status.lines().filter(line -> line.startsWith("Cpus_allowed_list:"))
                .map(line -> CpuSet.parse(line.substring("Cpus_allowed_list:".length()))).findFirst().orElseThrow();
            final boolean first = task.getFileName().toString().equals(Long.toString(pid));
            assertEquals(first ? allowed : cpus, actual, "thread " + task + ": " + status.lines().findFirst()
                .orElse(""));
        }
    }

    @Test
    @Timeout(60)
    void hostWithoutAGuestGivesUpAfterWaitGuestAndRemovesTheChannel() throws Exception
    {
        final String name = channels.newName("hostalone");
        final CliRun run = CliRun.of("host", name, "--capacity", "64KiB", "--idle", "backoff", "--wait-guest", "1s");
        assertEquals(ExitCodes.FAILURE, run.code(), run::toString);
        assertEquals(1, run.errLines().size(), run::toString);
        assertTrue(run.err().contains("no guest answered on channel " + name + " within 1s"), run::toString);
        Channels.assertNoFiles(name);
    }

    @Test
    @Timeout(60)
    void guestWithoutAHostExits3AfterItsTimeout()
    {
        final String name = channels.newName("guestalone");
        final CliRun run = CliRun.of("guest", name, "--timeout", "300ms");
        assertEquals(ExitCodes.NOT_FOUND, run.code(), run::toString);
        assertEquals(1, run.errLines().size(), run::toString);
        assertTrue(run.err().contains(name), run::toString);
    }

    @Test
    @Timeout(60)
    void aBareCpuIsAPlacementAndAPlacementWithoutAThreadIsNoted() throws Exception
    {
        final String name = channels.newName("cpunote");
        final CliRun guest =
            CliRun.of("guest", name, "--reader-cpu", "0", "--writer-cpu", "cpu=0", "--timeout", "300ms");
        assertEquals(ExitCodes.NOT_FOUND, guest.code(), guest::toString);
        assertEquals("shmipc guest: note: --writer-cpu cpu=0 has no effect: there is no writer thread (write mode " +
            "CALLER: the threads that send write themselves)", guest.errLines().get(0), guest::toString);
        assertEquals(2, guest.errLines().size(), guest::toString);

        final CliRun quiet =
            CliRun.of("guest", name, "--reader-cpu", "0", "--writer-cpu", "none", "--timeout", "300ms");
        assertEquals(ExitCodes.NOT_FOUND, quiet.code(), quiet::toString);
        assertEquals(1, quiet.errLines().size(), "no note for none, none for a reader that runs: " + quiet);

        final CliRun host =
            CliRun.of("host", name, "--capacity", "64KiB", "--reader-cpu", "0", "--wait-guest", "300ms");
        assertEquals(ExitCodes.FAILURE, host.code(), host::toString);
        assertEquals("shmipc host: note: --reader-cpu 0 has no effect: there is no reader thread (read mode CALLER: " +
            "the calling threads read)", host.errLines().get(0), host::toString);
        assertTrue(host.out().contains("reader=cpu=0 -> cpu 0"), host::toString);
        Channels.assertNoFiles(name);
    }

    @Test
    void badOptionsAreUsageErrorsWithOneLine() throws Exception
    {
        final String name = channels.newName("hostbad");
        for (final String[] args : new String[][] {
            {"host", name, "--capacity", "12"},
            {"host", name, "--capacity", "lots"},
            {"host", name, "--threads", "0"},
            {"host", name, "--caller", "--hand-off"},
            {"host", name, "--idle", "sleepy"},
            {"host", "bad/name-test"},
            {"guest", name, "--workers", "0"},
            {"guest", name, "--reader-cpu", "cpu=banana"},
            {"guest", name, "--reader-cpu", "0-x"},
            {"guest", name, "--timeout", "30"},
            {"host", name, "--wait-guest", "0s"}})
        {
            final CliRun run = CliRun.of(args);
            assertEquals(ExitCodes.USAGE, run.code(), run::toString);
            assertEquals(1, run.errLines().size(), run::toString);
            assertFalse(run.err().contains("\tat "), run::toString);
        }
        Channels.assertNoFiles(name);
    }

    private static void checkHostOutput(final String out, final long calls)
    {
        assertTrue(Pattern.compile("(?m)^Throughput: [0-9]+\\.[0-9]{2} ops/s$").matcher(out).find(), out);
        final Matcher latency = Pattern.compile("(?m)^Avg Latency: ([0-9.]+) us$").matcher(out);
        assertTrue(latency.find(), out);
        assertTrue(Double.parseDouble(latency.group(1)) > 0, out);
        assertTrue(Pattern.compile("(?m)^RTT \\(us\\): p50 [0-9.]+ p90 [0-9.]+ p99 [0-9.]+ p99\\.9 [0-9.]+ " +
            "max [0-9.]+$")
            .matcher(out).find(), out);
        assertTrue(Pattern.compile("(?m)^Calls: " + calls + " in [0-9.]+ s, wrong results 0, unknown responses 0, " +
            "expired responses 0$").matcher(out).find(), out);
    }

    /** Compiles core's C guest into tools/target/native; fails (never skips) when gcc is missing. */
    static Path compileCGuest() throws Exception
    {
        final Path source = Child.moduleDir().resolveSibling("core").resolve("src/test/c/simpleipc_guest.c");
        assertTrue(Files.isRegularFile(source), "C guest source missing: " + source);
        final Path gcc = Paths.get("/usr/bin/gcc");
        if (!Files.isExecutable(gcc))
        {
            throw new AssertionError("gcc is needed to build the C guest " + source + " (expected /usr/bin/gcc): " +
                "install it, e.g. apt-get install gcc");
        }
        final Path dir = Child.moduleDir().resolve("target/native");
        Files.createDirectories(dir);
        final Path program = dir.resolve("simpleipc_guest");
        try (Child compile = Child.exec(gcc.toString(), "-O2", "-std=c11", "-pthread", "-o", program.toString(),
            source.toString()))
        {
            assertEquals(0, compile.waitFor(60), "gcc failed:\n" + compile.output());
        }
        return program;
    }
}
