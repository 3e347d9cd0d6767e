package io.shmipc.bridge;

import io.shmipc.idle.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A bridge command in a JVM of its own ({@code BridgeMain}, as {@code ./shmipc bridge} runs it), with the JVM flags
 * Aeron and Agrona need; output to a file. {@link #close()} kills it if it is still running.
 */
final class BridgeProcess implements AutoCloseable
{
    private final Process process;
    private final Path output;

    BridgeProcess(final String... args)
    {
        final List<String> command = ChildJvm.of(BridgeMain.class)
            .jvmOptions("--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED") // Aeron's UDP transport reads sun.nio.ch
            .jvmOptions("-XX:TieredStopAtLevel=1") // starts faster; these children carry traffic, they are not measured
            .args(args)
            .command();
        try
        {
            output = Files.createTempFile("shmipc-bridge-test-", ".log");
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    long pid()
    {
        return process.pid();
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    /** SIGTERM, as {@code kill PID} does. */
    void terminate()
    {
        process.destroy();
    }

    /** SIGINT, as Ctrl-C does. */
    void interrupt() throws Exception
    {
        new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
    }

    /** SIGKILL, as {@code kill -9} does, and wait for the exit. */
    void kill9() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    int waitFor(final long seconds) throws InterruptedException
    {
        if (!process.waitFor(seconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("the bridge did not exit within " + seconds + " s: " + output());
        }
        return process.exitValue();
    }

    String output()
    {
        try
        {
            return Files.readString(output);
        }
        catch (final IOException ex)
        {
            return "(no output: " + ex + ")";
        }
    }

    @Override
    public void close() throws Exception
    {
        if (process.isAlive())
        {
            kill9();
        }
        Files.deleteIfExists(output);
    }
}
