package io.shmipc.core;

import io.shmipc.idle.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A peer process of a test: a second JVM running a test main class, or a native program. Output goes to a file so a
 * chatty child never blocks on a full pipe; {@link #close()} kills it if it is still running.
 */
public final class ChildProcess implements AutoCloseable
{
    private final Process process;
    private final Path output;
    private final String label;

    private ChildProcess(final List<String> command, final String label)
    {
        this.label = label;
        try
        {
            output = Files.createTempFile("shmipc-test-child-", ".log");
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start " + command, ex);
        }
    }

    public static ChildProcess java(final Class<?> mainClass, final String... args)
    {
        return new ChildProcess(ChildJvm.of(mainClass).args(args).command(), mainClass.getSimpleName());
    }

    public static ChildProcess exec(final String... command)
    {
        return new ChildProcess(Arrays.asList(command), Paths.get(command[0]).getFileName().toString());
    }

    /**
     * @return the exit code.
     * @throws AssertionError if it has not exited within the timeout (it is then killed).
     */
    public int waitFor(final long timeout, final TimeUnit unit)
    {
        try
        {
            if (!process.waitFor(timeout, unit))
            {
                process.destroyForcibly();
                throw new AssertionError(label + " did not finish within " + timeout + " " + unit + ": " + output());
            }
            return process.exitValue();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + label, ex);
        }
    }

    /**
     * Wait until the child has printed {@code text}.
     *
     * @throws AssertionError if it exits first or the timeout passes, with its output.
     */
    public void awaitOutput(final String text, final long timeout, final TimeUnit unit)
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!output().contains(text))
        {
            if (!process.isAlive())
            {
                throw new AssertionError(label + " exited (" + process.exitValue() + ") before printing '" + text +
                    "': " + output());
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError(label + " did not print '" + text + "' within " + timeout + " " + unit +
                    ": " + output());
            }
            try
            {
                Thread.sleep(20);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError(ex);
            }
        }
    }

    /**
     * Kill with SIGKILL, as {@code kill -9} does, and wait for the exit.
     */
    public void kill9()
    {
        process.destroyForcibly();
        try
        {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isAlive()
    {
        return process.isAlive();
    }

    public long pid()
    {
        return process.pid();
    }

    public String output()
    {
        try
        {
            return Files.readString(output, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(no output: " + ex + ")";
        }
    }

    public void close()
    {
        process.destroyForcibly();
        try
        {
            process.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(output);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final IOException ignore)
        {
            // the log is in the temp directory; nothing else depends on it
        }
    }
}
