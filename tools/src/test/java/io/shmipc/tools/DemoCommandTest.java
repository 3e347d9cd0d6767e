package io.shmipc.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoCommandTest
{
    @Test
    void shortDemoRunsToCompletionVerifiesEveryResponseAndLeavesNothingBehind() throws IOException
    {
        final String name = "demo-test-" + ProcessHandle.current().pid();
        try
        {
            final CliRun run = CliRun.of("demo", "--duration", "1s", "--name", name);
            assertEquals(ExitCodes.OK, run.code(), run::toString);
            final String out = run.out();
            final long calls = number(out, "(?m)^calls\\s+(\\d+)$");
            assertTrue(calls > 0, out);
            assertTrue(Pattern.compile("rtt \\(us\\)\\s+p50 [0-9.]+\\s+p90 [0-9.]+\\s+p99 [0-9.]+\\s+p99\\.9 [0-9.]+" +
                "\\s+max [0-9.]+").matcher(out).find(), out);
            assertTrue(out.contains("throughput "), out);
            assertEquals(0, number(out, "(?m)^mismatches\\s+(\\d+) "), out);
            assertTrue(out.contains("[guest] guest " + name + ": answered " + calls + " requests " +
                "(0 invalid, 0 not sent), stopped: the host removed the segment"), out);
            assertTrue(out.contains("--- inspect " + name + " (live)") && out.contains("queue fromGuest"), out);
            assertTrue(out.contains(" calls/s "), "progress line expected:\n" + out);
            assertTrue(Pattern.compile("(?m)^ +fromGuest +writePos +[0-9,]+ +readPos +[0-9,]+ +lag +[0-9,]+ " +
                "bytes +\\d+ msgs +write +[0-9.]+ MB/s +read +[0-9.]+ MB/s$").matcher(out).find(),
                "watch-style lines expected:\n" + out);
            assertEquals("", run.err(), run::toString);
            assertNoChannelFiles(name);
        }
        finally
        {
            Files.deleteIfExists(Paths.get("/dev/shm", name));
            Files.deleteIfExists(Paths.get("/dev/shm", "sem." + name + "_REQ"));
            Files.deleteIfExists(Paths.get("/dev/shm", "sem." + name + "_RESP"));
        }
    }

    @Test
    @Timeout(120)
    void sigtermAndSigintDuringTheDemoRemoveTheChannelAndExit143And130() throws Exception
    {
        for (final String signal : new String[] {"TERM", "INT"})
        {
            final String name = "demo-test-sig" + signal + "-" + ProcessHandle.current().pid();
            final Child demo = Child.cliAfter(List.of("/usr/bin/env", "--default-signal=INT,TERM"), "demo",
                "--duration", "60s", "--name", name, "--idle", "backoff");
            try
            {
                demo.awaitOutput(" calls/s ", 60);
                try (Child kill = Child.exec("kill", "-s", signal, Long.toString(demo.pid())))
                {
                    assertEquals(0, kill.waitFor(10), kill.output());
                }
                assertEquals("TERM".equals(signal) ? 143 : 130, demo.waitFor(30), demo.output());
                assertTrue(demo.output().contains("demo: interrupted after "), demo.output());
                assertNoChannelFiles(name);
            }
            finally
            {
                demo.close();
                Files.deleteIfExists(Paths.get("/dev/shm", name));
                Files.deleteIfExists(Paths.get("/dev/shm", "sem." + name + "_REQ"));
                Files.deleteIfExists(Paths.get("/dev/shm", "sem." + name + "_RESP"));
            }
        }
    }

    @Test
    void badOptionsAreUsageErrorsAndCreateNothing() throws IOException
    {
        final String name = "demo-test-bad-" + ProcessHandle.current().pid();
        for (final String[] args : new String[][] {
            {"demo", "--duration", "soon", "--name", name},
            {"demo", "--idle", "sleepy", "--name", name},
            {"demo", "--name", "bad/name-test"}})
        {
            final CliRun run = CliRun.of(args);
            assertEquals(ExitCodes.USAGE, run.code(), run::toString);
            assertEquals(1, run.errLines().size(), run::toString);
        }
        assertNoChannelFiles(name);
    }

    private static void assertNoChannelFiles(final String name) throws IOException
    {
        try (Stream<Path> files = Files.list(Paths.get("/dev/shm")))
        {
            assertEquals(0, files.filter(p -> p.getFileName().toString().contains(name)).count(),
                "files of " + name + " left in /dev/shm");
        }
    }

    private static long number(final String text, final String regex)
    {
        final Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), () -> regex + " not in\n" + text);
        return Long.parseLong(m.group(1));
    }
}
