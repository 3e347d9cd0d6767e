package io.shmipc.signals;

import io.shmipc.idle.ChildJvm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Starts the peers of the cross-process tests: a second JVM running a test main class, and the C semaphore peer
 * compiled from {@code sem_peer.c} with gcc into {@code target/}.
 */
final class Peers
{
    private static final Path GCC = Path.of("/usr/bin/gcc");
    private static Path cPeer;

    private Peers()
    {
    }

    /** Starts {@code mainClass} with {@code args} in a new JVM on this test's class path. */
    static Process startJvm(final Class<?> mainClass, final String... args) throws IOException
    {
        return ChildJvm.of(mainClass).args(args).processBuilder().redirectErrorStream(true).start();
    }

    /** Starts the C peer (compiling it on first use) with {@code args}. */
    static Process startC(final String... args) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(cPeer().toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Waits for the process to exit and returns its output; fails if it does not exit within the timeout. */
    static String finish(final Process process, final long timeoutSeconds) throws Exception
    {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            fail("peer " + process.info().command().orElse("?") + " did not exit within " + timeoutSeconds + " s");
        }
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Reads one line of the process's output, failing if the process ends first. */
    static String readLine(final Process process) throws IOException
    {
        final InputStream in = process.getInputStream();
        final StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n')
        {
            sb.append((char)c);
        }
        if (c < 0)
        {
            fail("peer ended before writing a line, got \"" + sb + "\"");
        }
        return sb.toString();
    }

    static void destroy(final Process process)
    {
        if (null != process && process.isAlive())
        {
            process.destroyForcibly();
        }
    }

    private static synchronized Path cPeer() throws Exception
    {
        if (null != cPeer)
        {
            return cPeer;
        }
        if (!Files.isExecutable(GCC))
        {
            fail("gcc not found at " + GCC + ": the cross-process tests compile their C semaphore peer with it; " +
                "install gcc (e.g. apt-get install gcc)");
        }
        final Path dir = Files.createDirectories(Path.of("target", "c-peer"));
        final Path source = dir.resolve("sem_peer.c");
        try (InputStream in = Peers.class.getResourceAsStream("/sem_peer.c"))
        {
            assertTrue(null != in, "test resource sem_peer.c missing from the class path");
            Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
        }
        final Path binary = dir.resolve("sem_peer_test");
        final Process gcc = new ProcessBuilder(
            GCC.toString(), "-O2", "-Wall", "-o", binary.toString(), source.toString(), "-pthread")
            .redirectErrorStream(true).start();
        final String output = finish(gcc, 60);
        if (0 != gcc.exitValue())
        {
            fail("gcc failed to build the C peer (exit " + gcc.exitValue() + "):\n" + output);
        }
        cPeer = binary.toAbsolutePath();
        return cPeer;
    }
}
