package io.shmipc.tools;

import io.shmipc.idle.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child process (a JVM running {@link Main}, or a native program) whose stdout and stderr are collected; closing
 * it kills it. Every wait is bounded.
 */
final class Child implements AutoCloseable
{
    /** These children are small and short-lived: they start faster with these. */
    private static final List<String> QUICK_START = List.of("-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1");

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;

    private Child(final List<String> command) throws IOException
    {
        this(command, Map.of());
    }

    private Child(final List<String> command, final Map<String, String> environment) throws IOException
    {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        process = builder.start();
        reader = new Thread(() ->
        {
            try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while (null != (line = lines.readLine()))
                {
                    output.append(line).append('\n');
                }
            }
            catch (final IOException ignore)
            {
                // closed: the process is gone
            }
        }, "child-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** A JVM running {@code Main} with these arguments, on this JVM's class path, with the agrona exports. */
    static Child cli(final String... args) throws IOException
    {
        return cliAfter(List.of(), args);
    }

    /** A JVM running {@code mainClass} with these arguments, on this JVM's class path, with the agrona exports. */
    static Child java(final Class<?> mainClass, final String... args) throws IOException
    {
        return new Child(ChildJvm.of(mainClass).jvmOptions(QUICK_START).args(args).command());
    }

    /**
     * As {@link #cli}, started through {@code prefix} (a program that execs the rest, e.g. {@code env
     * --default-signal=INT,TERM}, so the child keeps the process id).
     */
    static Child cliAfter(final List<String> prefix, final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>(prefix);
        command.addAll(ChildJvm.of(Main.class).jvmOptions(QUICK_START).args(args).command());
        return new Child(command);
    }

    static Child exec(final String... command) throws IOException
    {
        return new Child(List.of(command), Map.of());
    }

    /** As {@link #exec}, with these variables added to the child's environment. */
    static Child execWith(final Map<String, String> environment, final String... command) throws IOException
    {
        return new Child(List.of(command), environment);
    }

    long pid()
    {
        return process.pid();
    }

    String output()
    {
        return output.toString();
    }

    /** Waits until the output contains {@code text}; fails with the output so far if it does not in time. */
    void awaitOutput(final String text, final long seconds) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!output.toString().contains(text))
        {
            if (!process.isAlive())
            {
                reader.join(2000);
                if (output.toString().contains(text))
                {
                    return;
                }
                throw new AssertionError("child exited with " + process.exitValue() + " before printing '" + text +
                    "':\n" + output);
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("child did not print '" + text + "' within " + seconds + " s:\n" + output);
            }
            Thread.sleep(20);
        }
    }

    /** @return the exit code; fails with the output if the child is still running after {@code seconds}. */
    int waitFor(final long seconds) throws InterruptedException
    {
        if (!process.waitFor(seconds, TimeUnit.SECONDS))
        {
            throw new AssertionError("child still running after " + seconds + " s:\n" + output);
        }
        reader.join(5000);
        return process.exitValue();
    }

    public void close() throws InterruptedException
    {
        if (process.isAlive())
        {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static Path moduleDir()
    {
        return Paths.get("").toAbsolutePath();
    }
}
